"""/v1/quotes: route → schema → service → response."""

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from service import db
from service.pagination import paginate
from service.quotes import services
from service.quotes.models import Quote
from service.quotes.schemas import (
    QuoteFilterSchema, QuoteInSchema, QuotePageSchema, QuotePatchSchema, QuoteSchema,
    RetractArgsSchema,
)

blp = Blueprint("quotes", __name__, url_prefix="/v1/quotes", description="What was said.")


@blp.route("")
class Quotes(MethodView):
    @blp.arguments(QuoteFilterSchema, location="query")
    @blp.response(200, QuotePageSchema)
    def get(self, args):
        """List quotes; every filter combines with the others."""
        return paginate(db.session(), services.list_quotes(args), Quote.id, args)

    @blp.arguments(QuoteInSchema)
    @blp.response(201, QuoteSchema, description="The statement was new and is now on record.")
    @blp.alt_response(
        200, schema=QuoteSchema,
        description="The statement was already on record; new citations and translations were added.",
    )
    def post(self, data):
        """Record a quote. The same statement by the same speaker is one quote: posting it
        again with another source adds a citation instead of a duplicate."""
        quote, created = services.record_quote(db.session(), data)
        location = {"Location": flask.url_for(".QuoteById", quote_id=quote.id)}
        return quote, 201 if created else 200, location


@blp.route("/<id:quote_id>")
class QuoteById(MethodView):
    @blp.response(200, QuoteSchema)
    def get(self, quote_id):
        """One quote, with its speaker, translations and citations."""
        return services.get_quote(db.session(), quote_id)

    @blp.arguments(QuotePatchSchema)
    @blp.response(200, QuoteSchema)
    def patch(self, changes, quote_id):
        """Change a quote; a correction to disputed, misattributed or retracted needs a status_note."""
        session = db.session()
        return services.update_quote(session, services.get_quote(session, quote_id), changes)

    @blp.arguments(RetractArgsSchema, location="query")
    @blp.response(200, QuoteSchema)
    def delete(self, args, quote_id):
        """Retract a quote: its status becomes `retracted`; the record stays readable."""
        session = db.session()
        return services.retract_quote(session, services.get_quote(session, quote_id), args.get("note"))
