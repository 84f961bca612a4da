"""/v1/extract: an article in, its proposed quotes out (stored too with `import=true`)."""

import json

import flask
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import abort

from service import db
from service.api import accepts
from service.auth.access import check_scope, requires
from service.extract import schemas
from service.extract.services import (
    Article,
    BadArticle,
    ImportRefused,
    article_from,
    extract_article,
    import_proposals,
    records,
)
from service.resources import Blueprint

NDJSON = "application/x-ndjson"
HTML, TEXT, JSON = "text/html", "text/plain", "application/json"
PROPOSALS = "The proposed quotes, each one `POST /v1/imports` line with an `extraction` note"

blp = Blueprint(
    "extract",
    __name__,
    url_prefix="/v1/extract",
    description="Propose an article's quotes for review and import.",
)


@blp.route("")
class Extract(MethodView):
    @requires("read")
    @accepts(TEXT, HTML, JSON)
    @blp.arguments(schemas.ExtractArgsSchema, location="query")
    @blp.response(200, schemas.ProposalSchema(many=True), description=PROPOSALS)
    @blp.alt_response(
        200,
        schema={"description": "One proposal per line"},
        content_type=NDJSON,
        description=PROPOSALS,
    )
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                TEXT: {"schema": {"type": "string", "description": "The article's text (UTF-8)"}},
                HTML: {
                    "schema": {
                        "type": "string",
                        "description": "A whole page: its main text and metadata are read",
                    }
                },
                JSON: {"schema": schemas.ArticleSchema},
            },
        },
    )
    def post(self, args):
        """Propose the quotes of an article, in the shape `POST /v1/imports` takes.

        Each proposal carries an `extraction` note for the reviewer: offsets in the
        article text, the cue as printed, a confidence, and how the speaker was resolved.
        Nothing is stored unless `import=true` (write scope): then every proposal is
        imported as an unverified quote citing the article, or none is."""
        if args["store"] and (refused := check_scope("write")):
            return refused
        session = db.session()
        article = read_article()
        lines = records(article, extract_article(session, article))
        if args["store"]:
            _store(session, lines)
        return _answer(lines)


def read_article() -> Article:
    """The article of the request body: text, HTML or JSON."""
    request = flask.request
    try:
        if request.mimetype == JSON:
            return _from_json(blp.ARGUMENTS_PARSER.load_json(request, schemas.ArticleSchema()))
        words = _decoded(request.get_data(cache=False), request.mimetype_params.get("charset"))
        return article_from(words, html=request.mimetype == HTML)
    except BadArticle as error:
        abort(422, message=str(error))


def _decoded(body: bytes, charset: str | None) -> str:
    encoding = charset or "utf-8"
    try:
        return body.decode(encoding)
    except LookupError:
        abort(415, message=f"Unknown charset {charset!r}: send the article as UTF-8.")
    except UnicodeDecodeError as error:
        abort(
            422,
            message=f"The body is not {encoding} text: byte 0x{body[error.start]:02x} at offset "
            f"{error.start} cannot be decoded. Send the article as UTF-8 (or name its charset in "
            "Content-Type).",
        )


def _from_json(body) -> Article:
    if not isinstance(body, dict):
        abort(400, message="The body is not a JSON object.")
    try:
        given = schemas.ArticleSchema().load(body)
    except ma.ValidationError as error:
        abort(422, errors=error.normalized_messages())
    meta = {k: v for k, v in given.items() if k not in ("text", "html")}
    return article_from(given.get("html") or given["text"], html="html" in given, meta=meta)


def _store(session, lines: list[dict]) -> None:
    try:
        outcomes = import_proposals(session, lines)
    except ImportRefused as refused:
        abort(422, message=str(refused), errors={"proposals": refused.errors})
    for line, outcome in zip(lines, outcomes, strict=True):
        line["extraction"]["imported"] = {k: v for k, v in outcome.as_dict().items() if k != "line"}


def _answer(lines: list[dict]):
    if flask.request.accept_mimetypes.best_match([JSON, NDJSON]) == NDJSON:
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        return flask.Response(body, mimetype=NDJSON)
    return flask.Response(json.dumps(lines, ensure_ascii=False), mimetype=JSON)
