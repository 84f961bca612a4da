"""/v1/quotes: what was said. Creating is recording a statement (matched when it is
already on record), and deleting is retracting."""

from flask_smorest import Blueprint

from service import db
from service.quotes import schemas, services
from service.resources import Resource, collection_view, item_url, item_view

blp = Blueprint("quotes", __name__, url_prefix="/v1/quotes", description="What was said.")

QUOTES = Resource.of("quote", schemas, services)


@blp.arguments(schemas.QuoteInSchema)
@blp.response(201, schemas.QuoteSchema, description="The statement was new and is now on record.")
@blp.alt_response(
    200,
    schema=schemas.QuoteSchema,
    description="The statement was already on record; new citations and translations were added.",
)
def record(self, data):
    """Record a quote. The same statement by the same speaker is one quote: posting it
    again with another source adds a citation instead of a duplicate."""
    quote, created = services.record_quote(db.session(), data)
    return quote, 201 if created else 200, {"Location": item_url(QUOTES, quote)}


@blp.arguments(schemas.RetractArgsSchema, location="query")
@blp.response(200, schemas.QuoteSchema)
def retract(self, args, quote_id):
    """Retract a quote: its status becomes `retracted`; the record stays readable."""
    session = db.session()
    return services.retract_quote(session, services.get_quote(session, quote_id), args.get("note"))


collection_view(blp, QUOTES, post=record)
item_view(blp, QUOTES, delete=retract)
