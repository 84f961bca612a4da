"""The export's bytes, exactly: a corpus with every field, several citations and
translations, aliases, roles, nulls, and text a CSV or JSON writer must escape, exported
from an empty database and compared with the files it gave when they were written
(`golden/`). The CSV is also `csv_rows` over the NDJSON, line by line: the mapping from
a quote to its CSV rows has one definition, whatever the query that makes them."""

import json
from pathlib import Path

import pytest

from service.app import create_app
from service.exports.services import csv_header, csv_text
from service.imports.formats import csv_rows
from tests.conftest import new_key
from tests.exports.test_views import EVERY_DETAIL, exported

GOLDEN = Path(__file__).parent / "golden"
ESCAPED = 'Comma, "double quotes", a\nnewline, a\r\nCRLF, a \\ backslash, a\ttab, \u0001 and 🦉 ✓ שלום'
CORPUS = [
    *EVERY_DETAIL,
    {
        "text": ESCAPED,
        "lang": "en",
        "kind": "direct",
        "speaker": {
            "name": 'Smith, "Jay"',
            "aliases": ["J. Smith", "Smith|Jay", "Смит"],
            "roles": [
                {"title": 'Minister, "acting"', "organisation": None, "from": None, "to": "2021-02-03"},
                {"title": "MP", "organisation": "Parliament", "from": "2010-05-06", "to": None},
            ],
        },
        "context": "line one\nline two",
        "topics": ["a,b", 'c"d'],
        "said_on": "2020-12-31",
        "said_on_precision": "day",
        "translations": [{"lang": "fr", "text": "Virgule, « guillemets »\nligne", "translator": None}],
        "citations": [
            {
                "source": {
                    "url": "https://example.com/a?b=1&c=2",
                    "title": 'A "title", with commas',
                    "authors": ["Doe, Jane", "O'Brien"],
                    "published_at": "2020-12-31T23:30:00-05:00",
                    "kind": "tweet",
                },
                "printed_text": "printed\r\nacross lines",
                "attribution": None,
                "via": "AP",
            },
            {"source": {"publisher": "Only a publisher"}, "via": "Reuters"},
            {"source": {"title": "Third source", "lang": "de"}, "printed_text": None, "attribution": "said"},
        ],
    },
    {
        "text": "Said by the same speaker again, with one bare citation and no translation.",
        "lang": "en",
        "kind": "partial",
        "speaker": {"name": 'Smith, "Jay"'},
        "citations": [{"source": {"title": "Third source", "lang": "de"}}],
    },
    {
        "text": "'=Already quoted before a formula",
        "lang": "ru",
        "kind": "indirect",
        "speaker_description": "a source close to the talks",
        "topics": [],
        "citations": [{"source": {"url": "https://example.com/other"}, "attribution": "-minus"}],
        "translations": [
            {"lang": "en", "text": "one"},
            {"lang": "de", "text": "zwei", "translator": "T, Translator"},
        ],
    },
    {
        "text": "An organisation speaks.",
        "lang": "de",
        "kind": "direct",
        "speaker": {"name": "Example Org", "kind": "group", "wikidata_id": "Q42", "aliases": ["Example Org"]},
        "said_on": "2018-01-01",
        "said_on_precision": "year",
        "citations": [{"source": {"url": "https://example.org/only-url"}}],
    },
]


@pytest.fixture
def corpus_exports(fresh_database):
    """The corpus's NDJSON and CSV exports from an empty database, unfiltered and with `lang=en`."""
    app = create_app(database_url=fresh_database)
    try:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {new_key(fresh_database)}"
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in CORPUS).encode()
        report = client.post("/v1/imports", data=body, content_type="application/x-ndjson").get_json()
        assert (report["created"], report["failed"]) == (len(CORPUS), 0), report["errors"]
        yield {
            (fmt, lang): exported(client, format=fmt, **({"lang": lang} if lang else {}))
            for fmt in ("ndjson", "csv")
            for lang in (None, "en")
        }
    finally:
        app.extensions["db"].engine.dispose()


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_the_export_gives_the_same_bytes_as_when_written(corpus_exports, fmt):
    expected = (GOLDEN / f"export.{fmt}").read_bytes().decode()
    assert corpus_exports[(fmt, None)] == expected


def test_a_filtered_export_is_the_matching_lines_of_the_whole(corpus_exports):
    whole = corpus_exports[("ndjson", None)].splitlines(keepends=True)
    english = [line for line in whole if json.loads(line)["lang"] == "en"]
    assert corpus_exports[("ndjson", "en")] == "".join(english) and english


@pytest.mark.parametrize("lang", [None, "en"])
def test_the_csv_export_is_csv_rows_of_the_ndjson_export(corpus_exports, lang):
    quotes = [json.loads(line) for line in corpus_exports[("ndjson", lang)].splitlines()]
    expected = csv_header() + csv_text(row for quote in quotes for row in csv_rows(quote))
    assert corpus_exports[("csv", lang)] == expected


def test_the_demo_csv_export_is_csv_rows_of_its_ndjson_export(client):
    quotes = [json.loads(line) for line in exported(client, format="ndjson").splitlines()]
    expected = csv_header() + csv_text(row for quote in quotes for row in csv_rows(quote))
    assert exported(client, format="csv") == expected
