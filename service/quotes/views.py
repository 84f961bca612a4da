"""/v1/quotes: what was said. Creating is recording a statement (matched when it is
already on record), and deleting is retracting."""

import flask

from service import db
from service.api import requested_format
from service.exports.services import csv_header, csv_text
from service.imports.formats import CSV, csv_rows
from service.quotes import schemas, services
from service.resources import (
    LIST_ARGUMENT_ERROR,
    Blueprint,
    Resource,
    check_current,
    collection_view,
    history_view,
    item_url,
    item_view,
)

blp = Blueprint("quotes", __name__, url_prefix="/v1/quotes", description="What was said.")

QUOTES = Resource.of("quote", schemas, services, mergeable=True)


@blp.arguments(schemas.QuoteFilterSchema, location="query", error_status_code=LIST_ARGUMENT_ERROR)
@blp.response(200, schemas.QuotePageSchema)
@blp.alt_response(
    200,
    schema={"type": "string"},
    content_type=CSV,
    success=True,
    description="With `Accept: text/csv` (or `format=csv`): the page as CSV, in the import's columns",
)
def page(self, args):
    """List quotes; filters combine. `Accept: text/csv` (or `format=csv`) gives the page
    as CSV in the import's columns; the `Link` header leads to the next page. A generated
    client gets CSV from `exportQuotes` (every match, streamed)."""
    as_csv = requested_format(("json", "csv"), LIST_ARGUMENT_ERROR) == "csv" or _accepts_csv()
    body, status, headers = services.quote_page(db.session(), args)  # items as the schema dumps them
    if not as_csv:
        return flask.current_app.json.response(body), status, headers
    rows = (row for quote in body["items"] for row in csv_rows(quote))
    return flask.Response(csv_header() + csv_text(rows), status, headers, mimetype=CSV)


def _accepts_csv() -> bool:
    return flask.request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


@blp.etag
@blp.arguments(schemas.QuoteInSchema)
@blp.response(201, schemas.QuoteSchema, description="The statement was new and is now on record.")
@blp.alt_response(
    200,
    schema=schemas.QuoteSchema,
    description="The statement was already on record; new citations and translations were added.",
    headers={"ETag": "ETAG", "Location": "LOCATION"},
)
def record(self, data):
    """Record a quote. The same statement by the same speaker is one quote: posting it
    again with another source adds a citation instead of a duplicate."""
    quote, created = services.record_quote(db.session(), data)
    return quote, 201 if created else 200, {"Location": item_url(QUOTES, quote)}


@blp.etag
@blp.arguments(schemas.RetractArgsSchema, location="query")
@blp.response(200, schemas.QuoteSchema)
def retract(self, args, quote_id):
    """Retract a quote: its status becomes `retracted`; the record stays readable. Needs `If-Match`."""
    session = db.session()
    quote = check_current(blp, QUOTES, services.get_quote(session, quote_id))
    return services.retract_quote(session, quote, args.get("note"))


@blp.etag
@blp.response(200, schemas.QuoteSchema)
def read(self, quote_id):
    """One quote."""
    document = services.quote_document(quote_id)
    blp.set_etag(document)  # the ETag of the representation, as for every read; 304 if unchanged
    return flask.current_app.json.response(document)


collection_view(blp, QUOTES, get=page, post=record)
item_view(blp, QUOTES, get=read, delete=retract)
history_view(blp, QUOTES)
