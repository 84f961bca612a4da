"""Quote list filters and pagination, through HTTP."""

import csv
import io

import pytest
from sqlalchemy import text

from service import db
from service.quotes.models import QUOTE_KINDS, QUOTE_STATUSES
from tests.quotes.test_views import QUOTE, post

TOPIC = "filter-test"


@pytest.fixture
def quotes(client):
    """Three quotes by one speaker, different in every filtered field."""
    base = QUOTE | {
        "topics": [TOPIC],
        "speaker": {"name": "Filter Speaker", "aliases": ["Filter-Speaker Alias"]},
    }
    return [
        post(client, base | {"text": "One.", "said_on": "2019-04-19", "kind": "direct"}),
        post(
            client,
            base
            | {
                "text": "Два.",
                "lang": "ru",
                "said_on": "2019-04-23",
                "kind": "indirect",
                "citations": [{"source": {"url": "https://ru.example.org/a", "title": "RU"}}],
            },
        ),
        post(
            client,
            base | {"text": "Three.", "said_on": "2019-04-25", "kind": "partial", "status": "verified"},
        ),
    ]


def texts(client, **query):
    response = client.get("/v1/quotes", query_string={"topic": TOPIC} | query)
    assert response.status_code == 200, response.get_json()
    return [q["text"] for q in response.get_json()["items"]]


FILTERED = [
    ({}, ["One.", "Два.", "Three."]),
    ({"lang": "ru"}, ["Два."]),
    ({"kind": "partial"}, ["Three."]),
    ({"status": "verified"}, ["Three."]),
    ({"said_from": "2019-04-20"}, ["Два.", "Three."]),
    ({"said_to": "2019-04-23"}, ["One.", "Два."]),
    ({"said_from": "2019-04-20", "said_to": "2019-04-24"}, ["Два."]),
    ({"source": "https://RU.example.org/a#frag"}, ["Два."]),
    ({"speaker": "filter speaker alias"}, ["One.", "Два.", "Three."]),
    ({"speaker": "FILTER-SPEAKER"}, ["One.", "Два.", "Three."]),
    ({"speaker": "nobody by that name"}, []),
    ({"topic": "no-such-topic"}, []),
]


@pytest.mark.parametrize("query,expected", FILTERED)
def test_filters_combine(client, quotes, query, expected):
    assert texts(client, **query) == expected


@pytest.mark.parametrize("query,expected", FILTERED)
def test_filters_combine_with_a_search(client, quotes, query, expected):
    """The index filters, and the page's quotes are filtered again as PostgreSQL has them."""
    assert sorted(texts(client, q="one or два or three", **query)) == sorted(expected)


def test_a_search_page_follows_postgresql_where_the_index_lags(app, client, quotes):
    """A change the index has not applied yet: its quote still matches in the index, but
    no longer in PostgreSQL, so each filter's page leaves it out (one filter a search)."""
    lagging = quotes[1]
    searches = [{"lang": "ru"}, {"kind": lagging["kind"]}, {"status": lagging["status"]}]
    searches += [{"speaker": "Filter Speaker"}, {"source": "https://RU.example.org/a#frag"}]
    searches += [{"said_from": "2019-04-20", "said_to": "2019-04-24"}, {"topic": TOPIC}]

    def found(query: dict) -> bool:
        response = client.get("/v1/quotes", query_string={"q": "два"} | query)
        return lagging["id"] in {quote["id"] for quote in response.get_json()["items"]}

    assert all(map(found, searches))
    other = client.post("/v1/speakers", json={"name": "Another Speaker"}).get_json()["id"]
    with app.test_request_context():  # not through the client: the index is not told
        session = db.session()
        changes = """UPDATE quotes SET lang = 'en', kind = :kind, status = :status,
            speaker_id = :other, said_on = NULL, said_on_precision = NULL, topics = '{}' WHERE id = :id"""
        kind = next(kind for kind in QUOTE_KINDS if kind != lagging["kind"])
        status = next(status for status in QUOTE_STATUSES if status != lagging["status"])
        session.execute(text(changes), {"id": lagging["id"], "other": other, "kind": kind, "status": status})
        session.execute(text("DELETE FROM citations WHERE quote_id = :id"), {"id": lagging["id"]})
        session.commit()
    assert [query for query in searches if found(query)] == []


def test_speaker_and_source_by_id(client, quotes):
    speaker_id = quotes[0]["speaker"]["id"]
    source_id = quotes[1]["citations"][0]["source"]["id"]
    assert texts(client, speaker=str(speaker_id)) == ["One.", "Два.", "Three."]
    assert texts(client, source=str(source_id)) == ["Два."]


@pytest.mark.parametrize("value", ["' OR 1=1 --", "%", "_", "1; DROP TABLE quotes", "٣"])
def test_hostile_filter_values_match_nothing(client, quotes, value):
    assert texts(client, speaker=value) == []
    assert texts(client, source=value) == []


def test_pages_follow_next_links_without_overlap(client, quotes):
    seen, url, pages = [], f"/v1/quotes?topic={TOPIC}&limit=2", 0
    while url:
        response = client.get(url)
        body = response.get_json()
        assert response.status_code == 200, (url, body)
        seen += [q["text"] for q in body["items"]]
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
            assert "limit=2" in body["next"] and f"topic={TOPIC}" in body["next"]
        else:
            assert "Link" not in response.headers
        url, pages = body["next"], pages + 1
    assert seen == ["One.", "Два.", "Three."] and pages == 2


def test_default_page_is_50_items_and_limit_goes_to_500(client):
    for n in range(51):
        post(client, QUOTE | {"text": f"Statement number {n}."})
    body = client.get("/v1/quotes").get_json()
    assert len(body["items"]) == 50 and body["next"]
    assert len(client.get("/v1/quotes?limit=500").get_json()["items"]) > 50


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "bnVsbA"])
def test_cursor_not_from_a_next_link_is_400(client, cursor):
    response = client.get("/v1/quotes", query_string={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.get_json()["errors"]


def test_cursor_of_another_sort_order_is_400(client, quotes):
    next_url = client.get(f"/v1/quotes?topic={TOPIC}&limit=1").get_json()["next"]
    cursor = next_url.split("cursor=")[1]
    response = client.get("/v1/quotes", query_string={"topic": TOPIC, "sort": "said_on", "cursor": cursor})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"cursor": ["This cursor belongs to another sort order."]}


@pytest.mark.parametrize("how", [{"headers": {"Accept": "text/csv"}}, {"query_string": {"format": "csv"}}])
def test_a_page_as_csv(client, how):
    query = {"lang": "ru", "limit": 2} | how.get("query_string", {})
    response = client.get("/v1/quotes", query_string=query, headers=how.get("headers"))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["text", "lang", "kind", "speaker"]
    assert len(rows) == 3 and all(row[1] == "ru" for row in rows[1:])
    assert any("Ким Чен Ын" in row[0] for row in rows[1:]) or any("Владивосток" in row[0] for row in rows[1:])
    assert 'rel="next"' in response.headers["Link"]
    assert ("format=csv" in response.headers["Link"]) == ("query_string" in how)
