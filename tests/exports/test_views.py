"""GET /v1/export through HTTP, and the round trip: export, import into an empty
database, export again, and get the same file."""

import csv
import io
import json

import pytest

from service.app import create_app
from service.imports.formats import CSV_COLUMNS
from tests.conftest import new_key


def exported(client, **query) -> str:
    with client.get("/v1/export", query_string=query, buffered=True) as response:
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)


def test_export_is_ndjson_in_the_import_format_by_default(client):
    response = client.get("/v1/export")
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert response.mimetype == "application/x-ndjson" and len(lines) == 46
    ushakov = next(line for line in lines if line.get("speaker", {}).get("name") == "Yuri Ushakov")
    assert "Юрий Ушаков" in ushakov["speaker"]["aliases"] and ushakov["citations"][0]["source"]["url"]


@pytest.mark.parametrize(
    "query,expected", [({"speaker": "Ushakov"}, 4), ({"lang": "ru"}, 4), ({"kind": "partial"}, 1)]
)
def test_export_takes_the_list_filters(client, query, expected):
    listed = client.get("/v1/quotes", query_string=query | {"limit": 500}).get_json()["items"]
    lines = exported(client, **query).splitlines()
    assert len(lines) == len(listed) and [json.loads(line)["text"] for line in lines] == [
        q["text"] for q in listed
    ]
    assert len(lines) >= expected


@pytest.mark.parametrize("ask", [{"query_string": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_csv_export_has_the_import_columns_and_cyrillic_intact(client, ask):
    response = client.get("/v1/export", **ask)
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert any("Юрий Ушаков" in row["speaker_aliases"] for row in rows)


def test_invalid_filters_are_400(client):
    assert client.get("/v1/export", query_string={"format": "xml"}).status_code == 400
    assert client.get("/v1/export", query_string={"lang": "english"}).status_code == 400


@pytest.mark.parametrize("fmt,mimetype", [("ndjson", "application/x-ndjson"), ("csv", "text/csv")])
def test_an_export_imported_into_an_empty_database_exports_the_same(client, fresh_database, fmt, mimetype):
    original = exported(client, format=fmt)
    app = create_app(database_url=fresh_database)
    try:
        empty = app.test_client()
        empty.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {new_key(fresh_database)}"
        report = empty.post("/v1/imports", data=original.encode(), content_type=mimetype).get_json()
        assert (report["created"], report["failed"]) == (46, 0)
        assert exported(empty, format=fmt) == original
    finally:
        app.extensions["db"].engine.dispose()
