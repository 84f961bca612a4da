"""`onrecord extract` as a real process: to stdout, into the database, and through a server."""

import json

from tests.conftest import new_key
from tests.extract.conftest import SEEDS, count
from tests.imports.test_cli import onrecord
from tests.test_cli import Serving, environment

ARTICLE = (
    "Kremlin aide Yury Ushakov briefed reporters.\n\n"
    '"Russia intends to help in any way possible to cement that positive trend," Ushakov said.\n'
)


def test_extract_prints_proposals_the_import_takes(fresh_database, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = onrecord("extract", str(article), "--url", "https://example.org/ushakov", url=fresh_database)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["speaker"]["name"] == "Yury Ushakov" and line["kind"] == "direct"
    assert line["citations"][0]["source"]["url"] == "https://example.org/ushakov"
    assert count(fresh_database, "quotes") == 0  # nothing stored without --import
    imported = onrecord("import", "-", url=fresh_database, stdin=result.stdout)
    assert "1 created, 0 matched, 0 failed" in imported.stdout, imported.stderr


def test_extract_import_from_stdin_twice_stores_once(fresh_database):
    first = onrecord(
        "extract", "--import", "--url", "https://example.org/u", "-", url=fresh_database, stdin=ARTICLE
    )
    again = onrecord(
        "extract", "--import", "--url", "https://example.org/u", "-", url=fresh_database, stdin=ARTICLE
    )
    assert first.returncode == 0, first.stderr
    assert "1 proposed, 1 created, 0 matched" in first.stderr
    assert "1 proposed, 0 created, 1 matched" in again.stderr
    assert count(fresh_database, "quotes") == 1


def test_extract_many_files_through_a_server_with_progress(fresh_database, tmp_path):
    key = new_key(fresh_database, "write")
    bad = tmp_path / "empty.txt"
    bad.write_text("  \n", encoding="utf-8")
    files = [str(path) for path in sorted(SEEDS.glob("*.txt"))] + [str(bad)]
    server = Serving(environment(DATABASE_URL=fresh_database))
    try:
        result = onrecord(
            "extract", "--import", "--server", server.base, "--key", key, *files, url=fresh_database
        )
    finally:
        server.stop()
    assert result.returncode == 1  # the empty file
    assert "422" in result.stderr and "empty" in result.stderr
    assert "articles" in result.stderr  # the progress line
    stored = count(fresh_database, "quotes")
    assert stored == len(result.stdout.splitlines()) > 20
