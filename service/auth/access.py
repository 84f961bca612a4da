"""Who may do what. Writes need `Authorization: Bearer <key>` with the write scope;
reads (/metrics too) are open unless ONRECORD_PUBLIC_READS=false, and then need the
read scope.
No key, an unknown or a revoked one: 401. A key without the scope: 403."""

import flask

from service import db
from service.api import API_PREFIX
from service.auth.models import ApiKey
from service.auth.services import key_for_secret
from service.errors import problem

READ_METHODS = ("GET", "HEAD", "OPTIONS")
GUARDED_PATHS = (API_PREFIX, "/metrics")  # /metrics is a read like any other
CHALLENGE = 'Bearer realm="OnRecord"'


def requires(scope: str):
    """Declare the scope a view method needs when its HTTP method suggests another
    (e.g. POST /v1/verify only reads)."""

    def decorate(method):
        method.required_scope = scope
        return method

    return decorate


def required_scope(view, method: str) -> str:
    """The scope a view function (or a MethodView's method) needs: `read` for reads,
    `write` for the rest, unless it declares another with `requires`."""
    view_class = getattr(view, "view_class", None)
    name = method.lower()
    if name == "head" and not hasattr(view_class, "head"):
        name = "get"  # as flask's MethodView answers a HEAD
    handler = getattr(view_class, name, view)
    default = "read" if method.upper() in READ_METHODS else "write"
    return getattr(handler, "required_scope", default)


def check_access() -> flask.Response | None:
    """Before each API request: let it through, or answer 401/403."""
    request = flask.request._get_current_object()  # once: each read through the proxy looks it up
    if request.url_rule is None or not request.path.startswith(GUARDED_PATHS):
        return None
    return check_scope(required_scope(flask.current_app.view_functions[request.endpoint], request.method))


def check_scope(scope: str) -> flask.Response | None:
    """401/403 unless the request may act with `scope` (for a view whose scope depends
    on its arguments, e.g. `POST /v1/extract?import=true` writes)."""
    request = flask.request
    key = resolved_key()
    if key is None:
        if _bearer_token(request) is not None:
            return _unauthorized("This API key is unknown or revoked.", error="invalid_token")
        if scope == "read" and flask.current_app.config["PUBLIC_READS"]:
            return None
        return _unauthorized("This needs an API key: send `Authorization: Bearer <key>`.")
    if scope not in key.scopes:
        return problem(403, f"The key {key.name!r} does not have the {scope!r} scope.")
    db.session().info["actor"] = key.name
    flask.g.api_key_name = key.name
    return None


def sends_credentials() -> bool:
    """Does the request carry an `Authorization` header, whatever its scheme?"""
    return bool(flask.request.headers.get("Authorization"))


def resolved_key() -> ApiKey | None:
    """The live key the request's `Authorization: Bearer` names (the scheme in any
    case, spaces around the secret ignored), or None: looked up once per request."""
    g = flask.g._get_current_object()  # asked several times a request: one look-up each
    if "api_key" not in g:
        secret = _bearer_token(flask.request)
        g.api_key = _looked_up(secret) if secret else None
    return g.api_key


def _looked_up(secret: str) -> ApiKey | None:
    """The key with this secret, read in a transaction of its own. A key is checked
    before the body is read: ending the transaction hands its connection back to the
    pool, so that clients sending their bodies slowly do not hold every connection."""
    session = db.session()
    key = key_for_secret(session, secret)
    session.commit()  # keeps `key` loaded (expire_on_commit=False), unlike a rollback
    return key


def _bearer_token(request: flask.Request) -> str | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _unauthorized(detail: str, error: str | None = None) -> flask.Response:
    response = problem(401, detail)
    response.headers["WWW-Authenticate"] = CHALLENGE + (f', error="{error}"' if error else "")
    return response
