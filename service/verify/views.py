"""/v1/verify: did this person really say that?"""

import flask
from flask.views import MethodView

from service import db
from service.api import requested_format
from service.auth.access import requires
from service.resources import Blueprint
from service.verify import report, schemas, services

blp = Blueprint("verify", __name__, url_prefix="/v1/verify", description="Fact-check a claimed quote.")

TEXT_ANSWER = {
    "schema": {"type": "string"},
    "content_type": "text/plain",
    "description": "The verdict and the matches to cite, as text for a terminal",
}
FORMATS = ("json", "text")


@blp.route("")
class Verify(MethodView):
    @blp.arguments(schemas.ClaimSchema, location="query")
    @blp.response(200, schemas.VerdictSchema)
    @blp.alt_response(200, success=True, **TEXT_ANSWER)
    def get(self, args):
        """Verdict on a claimed quote: verified, altered, misattributed or not_found.
        `Accept: text/plain` (or `format=text`) answers as `verifyClaimAsText` does."""
        return _answer(args, _wants_text())

    @requires("read")
    @blp.arguments(schemas.ClaimSchema)
    @blp.response(200, schemas.VerdictSchema)
    @blp.alt_response(200, success=True, **TEXT_ANSWER)
    def post(self, claim):
        """The same as GET, with the claim as a JSON body."""
        return _answer(claim, _wants_text())


@blp.route("/text")
class VerifyAsText(MethodView):
    @blp.arguments(schemas.ClaimSchema, location="query")
    @blp.response(200, **TEXT_ANSWER)
    def get(self, args):
        """The verdict on a claimed quote as text, readable in a terminal."""
        return _answer(args, as_text=True)

    @requires("read")
    @blp.arguments(schemas.ClaimSchema)
    @blp.response(200, **TEXT_ANSWER)
    def post(self, claim):
        """The same as GET, with the claim as a JSON body."""
        return _answer(claim, as_text=True)


def _answer(claim: dict, as_text: bool):
    result = services.verify(db.session(), claim["text"], claim.get("speaker"))
    if as_text:
        return flask.Response(report.render(result), mimetype="text/plain")
    return result


def _wants_text() -> bool:
    if requested := requested_format(FORMATS, 422):
        return requested == "text"
    best = flask.request.accept_mimetypes.best_match(["application/json", "text/plain"])
    return best == "text/plain" and flask.request.accept_mimetypes["application/json"] < 1
