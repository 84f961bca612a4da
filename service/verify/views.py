"""/v1/verify: did this person really say that?"""

import flask
from flask.views import MethodView

from service import db
from service.auth.access import requires
from service.resources import Blueprint
from service.verify import report, schemas, services

blp = Blueprint("verify", __name__, url_prefix="/v1/verify", description="Fact-check a claimed quote.")

TEXT_ANSWER = {"schema": {"type": "string"}, "content_type": "text/plain", "success": True}


@blp.route("")
class Verify(MethodView):
    @blp.arguments(schemas.ClaimArgsSchema, location="query")
    @blp.response(200, schemas.VerdictSchema)
    @blp.alt_response(200, **TEXT_ANSWER)
    def get(self, args):
        """Verdict on a claimed quote: verified, altered, misattributed or not_found."""
        return _answer(args, args.get("format"))

    @requires("read")
    @blp.arguments(schemas.ClaimSchema)
    @blp.arguments(schemas.FormatArgsSchema, location="query")
    @blp.response(200, schemas.VerdictSchema)
    @blp.alt_response(200, **TEXT_ANSWER)
    def post(self, claim, args):
        """The same as GET, with the claim as a JSON body."""
        return _answer(claim, args.get("format"))


def _answer(claim: dict, requested_format: str | None):
    result = services.verify(db.session(), claim["text"], claim.get("speaker"))
    if _wants_text(requested_format):
        return flask.Response(report.render(result), mimetype="text/plain")
    return result


def _wants_text(requested_format: str | None) -> bool:
    if requested_format:
        return requested_format == "text"
    best = flask.request.accept_mimetypes.best_match(["application/json", "text/plain"])
    return best == "text/plain" and flask.request.accept_mimetypes["application/json"] < 1
