"""The pages: search, a quote, a speaker, verify. Each calls the service functions its
API view calls, with the same arguments, and renders the API's JSON shape of the result."""

import logging
from urllib.parse import urlsplit

import flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from service import db
from service.errors import Moved, handle_moved
from service.history.schemas import HistoryEntrySchema
from service.history.services import history_listing
from service.pages import forms
from service.pages.present import KIND_NAMES, citation_text
from service.pages.wording import compare_wording
from service.pagination import paginate
from service.quotes import services as quotes
from service.quotes.models import QUOTE_STATUSES
from service.quotes.schemas import QuoteSchema
from service.speakers import services as speakers
from service.speakers.schemas import SpeakerSchema
from service.verify import services as verify_service
from service.verify.schemas import ClaimSchema, VerdictSchema

log = logging.getLogger(__name__)

blp = flask.Blueprint(
    "pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static/pages"
)

HISTORY_SHOWN = 100
KINDS = tuple(KIND_NAMES.items())
SORTS = (("", "Best match, else newest"), ("-said_on", "Newest said first"), ("said_on", "Oldest said first"))
LANGUAGES = ("en", "ru", "ko", "zh", "ja", "uk", "fr", "de", "es", "ar")
HEADLINES = {
    "verified": "Verified: this is on record",
    "altered": "Altered: the words on record are different",
    "misattributed": "Misattributed: someone else said this",
    "not_found": "Not found: nothing close is on record",
}
MATCH_WORDS = {
    "exact": "the same words",
    "excerpt": "an excerpt of a longer quote",
    "close": "close, in other words",
    "translation": "the same words, in a translation",
}


@blp.get("/")
def search():
    """Search quotes, with the list filters as a form."""
    fields, args, errors = forms.quote_filters(flask.request.args)
    page = None
    if not errors:
        args.setdefault("sort", "relevance" if "q" in args else "-said_on")
        page = _quote_page(args)
    return render(
        "search.html",
        400 if errors else 200,
        form=fields,
        errors=errors,
        page=page,
        searching=bool(set(fields) - set(forms.NOT_EXPORTED)),
        exports=forms.export_links(fields),
        kinds=KINDS,
        statuses=QUOTE_STATUSES,
        sorts=SORTS,
        languages=LANGUAGES,
    )


@blp.get("/quotes/<id:quote_id>")
def quote(quote_id: int):
    """One quote: its words, speaker, sources, status and history."""
    session = db.session()
    record = QuoteSchema().dump(quotes.get_quote(session, quote_id))
    history, _, _ = paginate(session, history_listing("quote", quote_id), {"limit": HISTORY_SHOWN})
    page_url = flask.url_for("pages.quote", quote_id=quote_id, _external=True)
    return render(
        "quote.html",
        quote=record,
        history=HistoryEntrySchema(many=True).dump(history["items"]),
        more_history=history["next"] is not None,
        cite=citation_text(record, page_url),
    )


@blp.get("/speakers/<id:speaker_id>")
def speaker(speaker_id: int):
    """One speaker: names, roles, and their quotes, newest first (searchable)."""
    record = SpeakerSchema().dump(speakers.get_speaker(db.session(), speaker_id))
    fields, args, errors = forms.quote_filters(flask.request.args, ("q", "cursor", "limit"))
    page = None if errors else _quote_page(args | {"speaker": str(speaker_id), "sort": "-said_on"})
    return render(
        "speaker.html", 400 if errors else 200, speaker=record, form=fields, errors=errors, page=page
    )


@blp.get("/verify")
def verify():
    """Check a claimed quote: the verdict, the wording on record beside it, the sources."""
    fields = forms.given(flask.request.args, ("text", "speaker"))
    claim, errors = forms.load(ClaimSchema(), fields) if fields else ({}, {})
    result = wordings = None
    if claim:
        found = verify_service.verify(db.session(), claim["text"], claim.get("speaker"))
        result = VerdictSchema().dump(found)
        wordings = [compare_wording(claim["text"], _recordings(m["quote"])) for m in result["matches"][:5]]
    return render(
        "verify.html",
        400 if errors else 200,
        form=fields,
        errors=errors,
        result=result,
        wordings=wordings,
        headline=HEADLINES.get(result["verdict"]) if result else None,
        match_words=MATCH_WORDS,
        api_url=flask.url_for("verify.Verify", **fields),
    )


def _quote_page(args: dict) -> dict:
    """One page of `GET /v1/quotes` with these arguments, as the API returns it."""
    body, _, _ = quotes.quote_page(db.session(), args)
    return {"items": body["items"], "next": _path(body["next"])}


def _path(url: str | None) -> str | None:
    """A link on this site as a path and query (not trusting the request's Host)."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _recordings(quote: dict) -> list[tuple[str, str]]:
    """A quote's text and translations, as (text, lang)."""
    return [(quote["text"], quote["lang"])] + [(t["text"], t["lang"]) for t in quote["translations"]]


def render(template: str, status: int = 200, **context) -> tuple[str, int]:
    """A page from its template, with its status."""
    return flask.render_template(f"pages/{template}", **context), status


@blp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """An error as a page: what went wrong, in the service's words."""
    data = getattr(error, "data", None) or {}
    message = data.get("message") or error.description
    response = flask.make_response(render("error.html", error.code or 500, title=error.name, message=message))
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


# A merged record's page answers 308 to its survivor's, as the API does.
blp.register_error_handler(Moved, handle_moved)


@blp.errorhandler(OperationalError)
@blp.errorhandler(PoolTimeout)
def database_unavailable(error: Exception):
    """The database does not answer: a page saying to retry, as the API's 503."""
    log.error("database unavailable: %s", getattr(error, "orig", error))
    response = http_error(ServiceUnavailable("The database is not answering; try again shortly."))
    response.headers["Retry-After"] = "5"
    return response


@blp.errorhandler(Exception)
def unexpected_error(error: Exception):
    """Anything unforeseen: logged in full, shown without internals."""
    log.exception("unhandled error", exc_info=error)
    return http_error(InternalServerError())
