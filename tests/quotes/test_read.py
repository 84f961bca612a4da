"""A quote's representation is built by PostgreSQL, for a point read and for a page of
quotes: it must be exactly what the schema dumps, key order, timestamps, ETag and a
search's highlights included."""

import json

import pytest
from flask_smorest.etag import EtagMixin
from sqlalchemy import select

from service.quotes.models import Quote
from service.quotes.schemas import QuoteSchema
from service.quotes.search import highlighter
from service.quotes.services import get_quote, quote_document
from service.search.query import parse
from tests.quotes.test_views import QUOTE, UNNAMED, post

ODD = {
    "text": 'Odd "quotes", a tab\t, a newline\n, \\ and \u2028 and emoji \U0001f600.',
    "topics": ["a", "ü", "<b>"],
    "translations": [
        {"lang": "ru", "text": "Первый."},
        {"lang": "de", "text": "Zweite.", "translator": None},
    ],
}


def dumps(representation: dict) -> str:
    """The representation as its exact text, key order included."""
    return json.dumps(representation, ensure_ascii=False)


def test_every_quote_reads_as_the_schema_dumps_it(client, app):
    post(client, QUOTE | ODD)
    post(client, UNNAMED | {"text": "Unnamed, undated.", "said_on": None})
    with app.app_context(), app.extensions["db"].new_session() as session:
        ids = session.scalars(select(Quote.id).order_by(Quote.id)).all()
        assert len(ids) > 10
        for quote_id in ids:
            expected = QuoteSchema().dump(get_quote(session, quote_id))
            assert dumps(quote_document(quote_id, session)) == dumps(expected)
            session.expunge_all()


def test_timestamps_with_and_without_microseconds_and_in_another_zone(client, app):
    quote = post(client, QUOTE | {"text": "Timed."})
    with app.app_context(), app.extensions["db"].new_session() as session:
        for zone, stamp in [
            ("UTC", "2019-04-23 10:00:00+00"),
            ("Asia/Kolkata", "2019-04-23 10:00:00.0405+00"),
        ]:
            session.execute(select(Quote.id).where(Quote.id == quote["id"]).with_for_update())
            session.connection().exec_driver_sql(f"SET LOCAL TimeZone = '{zone}'")
            session.connection().exec_driver_sql(
                "UPDATE quotes SET created_at = %s WHERE id = %s", (stamp, quote["id"])
            )
            session.expunge_all()
            expected = QuoteSchema().dump(get_quote(session, quote["id"]))
            assert dumps(quote_document(quote["id"], session)) == dumps(expected)


def test_the_etag_is_the_one_of_the_schemas_dump(client, app):
    quote = post(client, QUOTE | {"text": "Tagged once."})
    response = client.get(f"/v1/quotes/{quote['id']}")
    assert response.get_json() == quote
    with app.app_context():  # the ETag hashes the JSON as the app writes it
        assert response.headers["ETag"] == f'"{EtagMixin._generate_etag(quote)}"'


@pytest.mark.parametrize(
    "query",
    [
        {"q": "zanzibar"},  # in the texts, or only in a translation
        {"q": "zanzibar", "sort": "said_on", "lang": "en"},
        {"q": "-nowhere", "topic": "zanzibar"},  # by exclusions alone: no highlight
        {"topic": "zanzibar"},  # the listing, without a search
        {"topic": "zanzibar", "sort": "-said_on"},
    ],
)
def test_a_page_of_quotes_is_the_schemas_dump_of_each(client, app, query):
    words = {"topics": ["zanzibar"]}
    post(client, QUOTE | ODD | words | {"text": 'Zanzibar, said with "quotes" & <b>.'})
    post(client, UNNAMED | words | {"text": "An unnamed Zanzibar island.", "said_on": None})
    post(
        client,
        QUOTE
        | words
        | {"text": "Only translated.", "translations": [{"lang": "de", "text": "Sansibar, Zanzibar."}]},
    )
    response = client.get("/v1/quotes", query_string=query | {"limit": 2})
    page = response.get_json()
    assert page["items"] and page["next"] and response.headers["Link"] == f'<{page["next"]}>; rel="next"'
    with app.app_context(), app.extensions["db"].new_session() as session:
        expected = [_dumped(get_quote(session, quote["id"]), query.get("q")) for quote in page["items"]]
        assert response.get_data() == app.json.response({"items": expected, "next": page["next"]}).get_data()


def _dumped(quote: Quote, q: str | None) -> dict:
    """The quote as the schema dumps it, with the highlight of a search for `q` if it has one."""
    texts = [(quote.lang, quote.text), *((t.lang, t.text) for t in quote.translations)]
    marked = None if q is None else highlighter(parse(q))(texts)
    if marked is not None:
        quote.highlight = marked
    return QuoteSchema().dump(quote)
