"""`onrecord export` as a real process."""

import json

from service.app import create_app
from service.cli import DEMO_FILE
from service.config import Settings
from tests.imports.test_cli import onrecord


def test_export_writes_the_filtered_quotes_to_a_file(fresh_database, tmp_path):
    onrecord("import", str(DEMO_FILE), url=fresh_database)
    out = tmp_path / "ushakov.ndjson"
    result = onrecord("export", "--speaker", "Ushakov", "-o", str(out), url=fresh_database)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 4 and {line["speaker"]["name"] for line in lines} == {"Yuri Ushakov"}
    assert f"{len(lines)} quotes exported" in result.stderr


def test_export_csv_to_stdout_and_invalid_filters(fresh_database):
    onrecord("import", str(DEMO_FILE), url=fresh_database)
    result = onrecord("export", "--lang", "ru", "--format", "csv", url=fresh_database)
    assert result.stdout.startswith('\ufeff"text","lang","kind",') and "Владивосток" in result.stdout
    invalid = onrecord("export", "--lang", "not a tag", url=fresh_database)
    assert invalid.returncode != 0 and "BCP 47" in invalid.stderr


def test_export_searches_the_index_as_the_api_does(fresh_database, data_dir):
    onrecord("import", str(DEMO_FILE), url=fresh_database)
    index = {"ONRECORD_INDEX_DIR": str(data_dir / "index")}
    assert onrecord("reindex", url=fresh_database, **index).returncode == 0
    result = onrecord("export", "-q", "denuclearization", url=fresh_database, **index)
    assert result.returncode == 0, result.stderr
    app = create_app(Settings(index_dir=data_dir / "index"), database_url=fresh_database)
    try:
        with app.test_client().get(
            "/v1/export", query_string={"q": "denuclearization"}, buffered=True
        ) as response:
            expected = response.get_data(as_text=True)
    finally:
        app.extensions["db"].engine.dispose()
    assert response.status_code == 200 and len(expected.splitlines()) >= 2
    assert result.stdout == expected
    assert f"{len(expected.splitlines())} quotes exported" in result.stderr


def test_export_search_without_an_index_says_how_to_build_one(fresh_database, data_dir, tmp_path):
    output = tmp_path / "found.ndjson"
    result = onrecord(
        "export",
        "-q",
        "summit",
        "-o",
        str(output),
        url=fresh_database,
        ONRECORD_INDEX_DIR=str(data_dir / "index"),
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "onrecord reindex" in result.stderr
    assert not output.exists()  # no empty file left behind
