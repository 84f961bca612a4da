"""Search: stemmed, accent-folded text search vectors on quotes and translations, and
Latin-letter alias keys with a trigram index for speaker look-up across scripts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from service.text import latin_key, search_text

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STEMMED_LANGUAGES = ("english", "russian")
SEARCH_VECTOR = "to_tsvector(onrecord_search_config(lang), onrecord_unaccent(coalesce(search_text, text)))"


def upgrade() -> None:
    """Upgrade schema."""
    # unaccent() is STABLE (it reads its dictionary by name); naming the dictionary makes
    # the result fixed, so it may be used in a generated column.
    op.execute(
        """
        CREATE FUNCTION onrecord_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$
        """
    )
    # English and Russian stemming that keeps stop words, so phrases such as
    # "in charge" can be searched (the stock configurations drop "in").
    # (The Russian configuration stems Latin-letter words in English: replace both.)
    for language in STEMMED_LANGUAGES:
        op.execute(
            f"CREATE TEXT SEARCH DICTIONARY onrecord_{language}_stem "
            f"(TEMPLATE = snowball, LANGUAGE = {language})"
        )
    for language in STEMMED_LANGUAGES:
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION onrecord_{language} (COPY = {language})")
        for dictionary in STEMMED_LANGUAGES:
            op.execute(
                f"ALTER TEXT SEARCH CONFIGURATION onrecord_{language} "
                f"ALTER MAPPING REPLACE {dictionary}_stem WITH onrecord_{dictionary}_stem"
            )
    op.execute(
        """
        CREATE FUNCTION onrecord_search_config(lang text) RETURNS regconfig
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT (CASE split_part(lower(lang), '-', 1)
                      WHEN 'en' THEN 'onrecord_english' WHEN 'ru' THEN 'onrecord_russian'
                      ELSE 'simple' END)::regconfig $$
        """
    )
    for table in ("quotes", "translations"):
        op.add_column(table, sa.Column("search_text", sa.Text(), nullable=True))
        op.add_column(
            table,
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed(SEARCH_VECTOR, persisted=True),
                nullable=True,
            ),
        )
        op.create_index(f"ix_{table}_search_vector", table, ["search_vector"], postgresql_using="gin")
        _backfill(table, "text", "search_text", lambda text, lang: search_text(text, lang))
    op.add_column("speaker_aliases", sa.Column("latin_key", sa.Text(), nullable=True))
    _backfill("speaker_aliases", "alias", "latin_key", lambda alias, _: latin_key(alias))
    op.alter_column("speaker_aliases", "latin_key", nullable=False)
    op.create_index(
        "ix_speaker_aliases_latin_key_trgm",
        "speaker_aliases",
        ["latin_key"],
        postgresql_using="gin",
        postgresql_ops={"latin_key": "gin_trgm_ops"},
    )


def _backfill(table: str, source: str, target: str, compute) -> None:
    """Fill a column computed in Python for the rows already there."""
    has_lang = table != "speaker_aliases"
    rows = sa.table(table, sa.column("id"), sa.column(source), sa.column(target), sa.column("lang"))
    connection = op.get_bind()
    selected = [rows.c.id, rows.c[source], rows.c.lang if has_lang else sa.null()]
    for row_id, value, lang in connection.execute(sa.select(*selected)).all():
        connection.execute(rows.update().where(rows.c.id == row_id).values({target: compute(value, lang)}))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_speaker_aliases_latin_key_trgm", table_name="speaker_aliases")
    op.drop_column("speaker_aliases", "latin_key")
    for table in ("quotes", "translations"):
        op.drop_index(f"ix_{table}_search_vector", table_name=table)
        op.drop_column(table, "search_vector")
        op.drop_column(table, "search_text")
    op.execute("DROP FUNCTION onrecord_search_config(text)")
    for language in STEMMED_LANGUAGES:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION onrecord_{language}")
    for language in STEMMED_LANGUAGES:
        op.execute(f"DROP TEXT SEARCH DICTIONARY onrecord_{language}_stem")
    op.execute("DROP FUNCTION onrecord_unaccent(text)")
