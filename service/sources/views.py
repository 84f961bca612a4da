"""/v1/sources: route → schema → service → response."""

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from service import db
from service.pagination import paginate
from service.sources import services
from service.sources.models import Source
from service.sources.schemas import (
    SourceFilterSchema, SourceInSchema, SourcePageSchema, SourcePatchSchema, SourceSchema,
)

blp = Blueprint("sources", __name__, url_prefix="/v1/sources", description="Where it was published.")


@blp.route("")
class Sources(MethodView):
    @blp.arguments(SourceFilterSchema, location="query")
    @blp.response(200, SourcePageSchema)
    def get(self, args):
        """List sources; `url` looks one up by its canonical URL."""
        return paginate(db.session(), services.list_sources(args), Source.id, args)

    @blp.arguments(SourceInSchema)
    @blp.response(201, SourceSchema)
    def post(self, data):
        """Add a source (409 with `existing` if its URL is already on record)."""
        source = services.create_source(db.session(), data)
        return source, 201, {"Location": flask.url_for(".SourceById", source_id=source.id)}


@blp.route("/<id:source_id>")
class SourceById(MethodView):
    @blp.response(200, SourceSchema)
    def get(self, source_id):
        """One source."""
        return services.get_source(db.session(), source_id)

    @blp.arguments(SourcePatchSchema)
    @blp.response(200, SourceSchema)
    def patch(self, changes, source_id):
        """Change a source's metadata."""
        session = db.session()
        return services.update_source(session, services.get_source(session, source_id), changes)
