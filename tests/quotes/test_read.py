"""A point read's representation is built by PostgreSQL: it must be exactly what the
schema dumps, key order, timestamps and ETag included."""

import json

from flask_smorest.etag import EtagMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.quotes.models import Quote
from service.quotes.schemas import QuoteSchema
from service.quotes.services import get_quote, quote_document
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
    with app.app_context():
        session = app.extensions["db"].new_session()
        ids = session.scalars(select(Quote.id).order_by(Quote.id)).all()
        assert len(ids) > 10
        for quote_id in ids:
            expected = QuoteSchema().dump(get_quote(session, quote_id))
            assert dumps(quote_document(session, quote_id)) == dumps(expected)
            session.expunge_all()


def test_timestamps_with_and_without_microseconds_and_in_another_zone(client, app):
    quote = post(client, QUOTE | {"text": "Timed."})
    with app.app_context():
        session: Session = app.extensions["db"].new_session()
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
            assert dumps(quote_document(session, quote["id"])) == dumps(expected)


def test_the_etag_is_the_one_of_the_schemas_dump(client, app):
    quote = post(client, QUOTE | {"text": "Tagged once."})
    response = client.get(f"/v1/quotes/{quote['id']}")
    assert response.get_json() == quote
    with app.app_context():  # the ETag hashes the JSON as the app writes it
        assert response.headers["ETag"] == f'"{EtagMixin._generate_etag(quote)}"'
