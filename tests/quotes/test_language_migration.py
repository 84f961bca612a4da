"""Migration 0008: tags stored before the service put them in canonical case."""

from sqlalchemy import text

from service import migrations
from tests.quotes.conftest import empty_database

__all__ = ["empty_database"]

ROWS = """
INSERT INTO sources (identity_key, title, lang, version) VALUES ('meta:a', 'A', 'EN-gb', 1);
INSERT INTO quotes (text, text_hash, lang, kind, speaker_description, version)
    VALUES ('Said.', '\\x00', 'EN', 'direct', 'an aide', 1);
INSERT INTO translations (quote_id, lang, text) SELECT id, 'zh-hant', 'T.' FROM quotes;
INSERT INTO translations (quote_id, lang, text) SELECT id, 'ZH-HANT', 'T.' FROM quotes;
INSERT INTO translations (quote_id, lang, text) SELECT id, 'RU', 'R.' FROM quotes;
"""


def test_tags_stored_in_any_case_are_rewritten_in_canonical_case(empty_database):
    migrations.upgrade(empty_database, "0005")
    with empty_database.begin() as connection:
        connection.exec_driver_sql(ROWS)
    migrations.upgrade(empty_database, "0008")
    with empty_database.connect() as connection:
        tags = {
            table: connection.execute(text(f"SELECT lang FROM {table} ORDER BY id")).scalars().all()
            for table in ("sources", "quotes", "translations")
        }
    assert tags == {"sources": ["en-GB"], "quotes": ["en"], "translations": ["zh-Hant", "ru"]}
