"""Liveness, readiness, the OpenAPI document and its human docs page."""

import flask
import marshmallow as ma
import yaml
from flask.views import MethodView
from flask_swagger_ui import get_swaggerui_blueprint
from sqlalchemy.exc import SQLAlchemyError

from service import migrations
from service.errors import problem
from service.resources import Blueprint
from service.search.status import index_status

blp = Blueprint("system", __name__, description="Is the service up and its database ready?")


class SearchIndexStatusSchema(ma.Schema):
    """The search index: how far behind the database it is."""

    status = ma.fields.String(
        required=True, metadata={"description": "`ready`, or `building` while searches answer 503"}
    )
    lag_seconds = ma.fields.Float(
        allow_none=True,
        metadata={"description": "How long the oldest change not yet searchable has waited (0: none)"},
    )
    position = ma.fields.String(
        allow_none=True,
        metadata={"description": "WAL position up to which every change is searchable (see X-Min-Position)"},
    )


class StatusSchema(ma.Schema):
    """Service state."""

    status = ma.fields.String(required=True, metadata={"example": "ok"})
    schema_revision = ma.fields.String(allow_none=True)
    search_index = ma.fields.Nested(SearchIndexStatusSchema)


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, StatusSchema)
    def get(self):
        """Liveness: the process answers."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, StatusSchema)
    @blp.alt_response(503, description="The database does not answer, or its schema is not current.")
    def get(self):
        """Readiness: the database answers and its schema is at the latest migration.
        Also how far behind it the search index is (reads that do not search are served
        while it is built)."""
        head = flask.current_app.config["SCHEMA_HEAD"]
        try:
            with flask.current_app.extensions["db"].engine.connect() as connection:
                current = migrations.current_revision(connection)
                if current != head:
                    return problem(503, f"The schema is at {current}, not {head}: run `onrecord migrate`.")
                search = index_status(connection)
                return {"status": "ready", "schema_revision": current, "search_index": search}
        except SQLAlchemyError:
            return problem(503, "The database does not answer.")


def spec_yaml(app: flask.Flask) -> str:
    """The OpenAPI document, as `onrecord openapi write --format=yaml` writes it."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return yaml.dump(api.spec.to_dict())


def init_app(app: flask.Flask) -> None:
    """Serve `/openapi.yaml` and the offline docs page at `/docs`."""
    app.config["SCHEMA_HEAD"] = migrations.head_revision()

    @app.get("/openapi.yaml")
    def openapi_yaml():
        if "spec_yaml" not in app.extensions:
            app.extensions["spec_yaml"] = spec_yaml(app)
        return flask.Response(app.extensions["spec_yaml"], mimetype="application/yaml")

    docs = get_swaggerui_blueprint("/docs", "/openapi.yaml", config={"app_name": "OnRecord API"})
    app.register_blueprint(docs)
