"""Who may do what. Writes need `Authorization: Bearer <key>` with the write scope;
reads are open unless ONRECORD_PUBLIC_READS=false, and then need the read scope.
No key, an unknown or a revoked one: 401. A key without the scope: 403."""

import flask

from service import db
from service.auth.services import key_for_secret
from service.errors import problem

READ_METHODS = ("GET", "HEAD", "OPTIONS")
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
    handler = getattr(getattr(view, "view_class", None), method.lower(), view)
    default = "read" if method.upper() in READ_METHODS else "write"
    return getattr(handler, "required_scope", default)


def check_access() -> flask.Response | None:
    """Before each API request: let it through, or answer 401/403."""
    request = flask.request
    if request.url_rule is None or not request.path.startswith("/v1/"):
        return None
    scope = required_scope(flask.current_app.view_functions[request.endpoint], request.method)
    return check_scope(scope)


def check_scope(scope: str) -> flask.Response | None:
    """401/403 unless the request may act with `scope` (for a view whose scope depends
    on its arguments, e.g. `POST /v1/extract?import=true` writes)."""
    request = flask.request
    secret = _bearer_token(request)
    if secret is None:
        if scope == "read" and flask.current_app.config["PUBLIC_READS"]:
            return None
        return _unauthorized("This needs an API key: send `Authorization: Bearer <key>`.")
    key = key_for_secret(db.session(), secret)
    if key is None:
        return _unauthorized("This API key is unknown or revoked.", error="invalid_token")
    if scope not in key.scopes:
        return problem(403, f"The key {key.name!r} does not have the {scope!r} scope.")
    db.session().info["actor"] = key.name
    flask.g.api_key_name = key.name
    return None


def _bearer_token(request: flask.Request) -> str | None:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _unauthorized(detail: str, error: str | None = None) -> flask.Response:
    response = problem(401, detail)
    response.headers["WWW-Authenticate"] = CHALLENGE + (f', error="{error}"' if error else "")
    return response
