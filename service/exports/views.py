"""/v1/export: every quote matching the list filters, streamed as NDJSON or CSV."""

from collections.abc import Generator
from contextlib import closing

import flask
from flask.views import MethodView

from service import db
from service.exports.schemas import ExportArgsSchema
from service.exports.services import exported
from service.imports.formats import CSV, NDJSON
from service.imports.streaming import streamed
from service.resources import LIST_ARGUMENT_ERROR, Blueprint

EXPORTED = "The quotes, streamed: NDJSON, or CSV with `format=csv` or `Accept: text/csv`"

blp = Blueprint("export", __name__, url_prefix="/v1/export", description="Quotes out, in the import formats.")


@blp.route("")
class Export(MethodView):
    @db.long_statements
    @blp.arguments(ExportArgsSchema, location="query", error_status_code=LIST_ARGUMENT_ERROR)
    @blp.response(
        200,
        schema={"description": "One import line per quote"},
        content_type=NDJSON,
        description=EXPORTED,
    )
    @blp.alt_response(
        200,
        schema={"description": "The import's CSV columns, UTF-8 with a byte order mark"},
        content_type=CSV,
        description=EXPORTED,
    )
    def get(self, args):
        """Export the quotes matching the filters of `GET /v1/quotes`.

        In the import format: importing the file into an empty database gives back the
        same quotes, speakers, sources, citations and translations."""
        fmt = args.pop("format", None) or _negotiated_format()
        session = db.session()
        response = streamed(_texts(exported(session, args, fmt)), CSV if fmt == "csv" else NDJSON)
        if fmt == "csv":
            response.headers["Content-Disposition"] = 'attachment; filename="quotes.csv"'
        return response


def _texts(chunks: Generator[tuple[str, int], None, None]) -> Generator[str, None, None]:
    """The export's texts; closing this closes the export."""
    with closing(chunks):
        for text, _ in chunks:
            yield text


def _negotiated_format() -> str:
    best = flask.request.accept_mimetypes.best_match([NDJSON, CSV], default=NDJSON)
    return "csv" if best == CSV else "ndjson"
