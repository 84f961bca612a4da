"""Pages for people: search, a page per quote and per speaker, verify, extract. Rendered
by Flask's Jinja templates (autoescaped) from the same service functions as the API.

Forms that POST carry a CSRF token (flask-wtf's CSRFProtect, checked for these pages
only: the API authenticates by bearer key, which a browser never sends by itself).
Every page forbids scripts, styles and frames from anywhere but the service itself."""

import flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFProtect

from service.api import API_PREFIX
from service.config import Settings
from service.pages import extract, views
from service.pages.present import FILTERS
from service.pages.views import blp

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
csrf = CSRFProtect()
__all__ = ["extract", "init_app", "views"]  # the modules whose routes make up `blp`


def init_app(app: flask.Flask, settings: Settings) -> None:
    """Serve the pages: the blueprint, its template filters, CSRF checks on its forms,
    and its security headers."""
    app.config.update(
        SECRET_KEY=settings.secret_key,
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in `_check_request`, for the pages only
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the browser session: a review can take a while
        SESSION_COOKIE_NAME="onrecord_session",
        SESSION_COOKIE_SAMESITE="Lax",
        # Published over HTTPS: the browser never sends the cookie over plain HTTP.
        SESSION_COOKIE_SECURE=(settings.public_url or "").startswith("https://"),
    )
    app.session_interface = PagesSession()
    csrf.init_app(app)
    app.jinja_env.filters.update(FILTERS)
    app.register_blueprint(blp)  # rate-limited as the API is (service.limits)


class PagesSession(SecureCookieSessionInterface):
    """The signed cookie session, which only the pages' CSRF tokens use: an API request
    gets Flask's null session instead of having its cookie looked for and verified."""

    def open_session(self, app: flask.Flask, request: flask.Request) -> SessionMixin | None:
        """A null session for the API, else the cookie's."""
        if request.path.startswith(API_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


@blp.before_request
def _check_request() -> flask.Response | None:
    """Pages are reads: off when reads need a key. A POST needs the form's CSRF token."""
    if not flask.current_app.config["PUBLIC_READS"]:
        flask.abort(403, "Reading needs an API key here, so the pages are off: use the API.")
    if flask.request.method == "POST":
        csrf.protect()
    return None


@blp.after_request
def _security_headers(response: flask.Response) -> flask.Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Links out carry no address of ours; same-origin form posts keep theirs (flask-wtf
    # checks the Referer of a POST over HTTPS).
    response.headers["Referrer-Policy"] = "same-origin"
    return response
