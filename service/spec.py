"""What the OpenAPI document says beyond each view's decorators, in one place: every
operation's name (`operationId`, what generated clients call their functions), who may
call it (`security`), and the headers the API reads and sends on every operation alike.

It is an apispec plugin: flask-smorest hands it each path with its operations once the
decorators are turned into OpenAPI, and the werkzeug rule, from which the view is found.
"""

import flask
import marshmallow as ma
from apispec import APISpec, BasePlugin

from service.api import API_PREFIX
from service.auth.access import required_scope
from service.db import MIN_POSITION_HEADER, POSITION_HEADER

# Stable names: a generated client's functions and a reader's cross-references use them.
OPERATION_IDS = {
    ("get", "/health"): "getHealth",
    ("get", "/ready"): "getReadiness",
    ("get", "/v1/quotes"): "listQuotes",
    ("post", "/v1/quotes"): "createQuote",
    ("get", "/v1/quotes/{quote_id}"): "getQuote",
    ("patch", "/v1/quotes/{quote_id}"): "updateQuote",
    ("delete", "/v1/quotes/{quote_id}"): "retractQuote",
    ("get", "/v1/quotes/{quote_id}/history"): "getQuoteHistory",
    ("get", "/v1/speakers"): "listSpeakers",
    ("post", "/v1/speakers"): "createSpeaker",
    ("get", "/v1/speakers/{speaker_id}"): "getSpeaker",
    ("patch", "/v1/speakers/{speaker_id}"): "updateSpeaker",
    ("get", "/v1/speakers/{speaker_id}/history"): "getSpeakerHistory",
    ("post", "/v1/speakers/{speaker_id}/merge"): "mergeSpeaker",
    ("get", "/v1/sources"): "listSources",
    ("post", "/v1/sources"): "createSource",
    ("get", "/v1/sources/{source_id}"): "getSource",
    ("patch", "/v1/sources/{source_id}"): "updateSource",
    ("get", "/v1/sources/{source_id}/history"): "getSourceHistory",
    ("get", "/v1/verify"): "verifyClaim",
    ("post", "/v1/verify"): "verifyPostedClaim",
    ("get", "/v1/verify/text"): "verifyClaimAsText",
    ("post", "/v1/verify/text"): "verifyPostedClaimAsText",
    ("post", "/v1/imports"): "importQuotes",
    ("get", "/v1/export"): "exportQuotes",
    ("post", "/v1/extract"): "extractQuotes",
    ("get", "/v1/keys"): "listKeys",
    ("post", "/v1/keys"): "createKey",
    ("get", "/v1/keys/{name}"): "getKey",
    ("delete", "/v1/keys/{name}"): "revokeKey",
}

BEARER = "bearer"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key (`onrecord keys create`, or `POST /v1/keys`): `Authorization: Bearer "
    "<key>`. Each operation's description names the scope it needs; `read` ⊂ `write` ⊂ `admin`.",
}
# Who may call an operation, said in its description: OpenAPI has no scopes for a bearer key.
ACCESS = {
    None: "Needs no API key.",
    "read": "Needs no API key while reads are public (ONRECORD_PUBLIC_READS, the default); "
    "otherwise a key with the `read` scope.",
    "write": "Needs an API key with the `write` scope.",
    "admin": "Needs an API key with the `admin` scope.",
}


def _header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


HEADERS = {
    "LOCATION": _header("The path of the record"),
    "LINK": _header('The next page: `<url>; rel="next"` (RFC 8288); absent on the last page'),
    "X_POSITION": _header(
        "With a read replica: the primary's WAL position once this write is stored; send it back "
        "as `X-Min-Position` to read it",
        {"type": "string", "pattern": "^[0-9A-F]{1,8}/[0-9A-F]{1,8}$"},
    ),
    "RETRY_AFTER": _header("Seconds to wait before trying again", {"type": "integer", "minimum": 0}),
    "X_RATELIMIT_LIMIT": _header("Requests allowed in the current window", {"type": "integer"}),
    "X_RATELIMIT_REMAINING": _header("Requests left in the current window", {"type": "integer"}),
    "X_RATELIMIT_RESET": _header("When the window resets, in seconds since the epoch", {"type": "integer"}),
}
MIN_POSITION = {
    "name": MIN_POSITION_HEADER,
    "in": "header",
    "description": "An `X-Position` a write answered with: read from where that write is visible "
    "(any other value reads from the primary)",
    "schema": {"type": "string", "maxLength": 64},
}
# Answers any API operation may give besides its own: no or a bad key, rate limited,
# database away.
API_ERRORS = {
    "401": "UNAUTHORIZED",
    "403": "FORBIDDEN",
    "429": "TOO_MANY_REQUESTS",
    "503": "SERVICE_UNAVAILABLE",
}


class OperationsPlugin(BasePlugin):
    """Names each operation, states its security, and declares the shared headers."""

    def __init__(self, app: flask.Flask):
        self.app = app

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        spec.components.security_scheme(BEARER, BEARER_SCHEME)
        for name, header in HEADERS.items():
            spec.components.header(name, header)
        spec.components.parameter("X_MIN_POSITION", MIN_POSITION["in"], MIN_POSITION)

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs) -> None:
        view = self.app.view_functions[rule.endpoint]
        for method, operation in operations.items():
            operation["operationId"] = OPERATION_IDS.get((method, path)) or _derived_id(method, path)
            scope = required_scope(view, method) if path.startswith(API_PREFIX) else None
            operation["security"] = _security(scope)
            described = operation.get("description")
            operation["description"] = f"{described}\n\n{ACCESS[scope]}" if described else ACCESS[scope]
            if scope is None:
                continue
            documented = {str(status) for status in operation["responses"]}
            for status, response in API_ERRORS.items():
                if status not in documented:
                    operation["responses"][status] = response
            _declare_headers(method, operation)


def _security(scope: str | None) -> list[dict]:
    """None: no key; reads: no key (ONRECORD_PUBLIC_READS, the default) or one; else a key."""
    if scope is None:
        return []
    return [{}, {BEARER: []}] if scope == "read" else [{BEARER: []}]


def _declare_headers(method: str, operation: dict) -> None:
    """Location on 201, Link on a page, X-Position on a write's success; X-Min-Position on reads."""
    parameters = operation.get("parameters", [])
    paged = any(isinstance(p, dict) and p.get("name") == "cursor" for p in parameters)
    for status, response in operation["responses"].items():
        if not str(status).startswith("2") or not isinstance(response, dict):
            continue
        headers = {
            "Location": "LOCATION" if str(status) == "201" else None,
            "Link": "LINK" if paged else None,
            POSITION_HEADER: "X_POSITION" if method != "get" else None,
        }
        response.setdefault("headers", {}).update({k: v for k, v in headers.items() if v})
        if not response["headers"]:
            del response["headers"]
    if method == "get":
        operation.setdefault("parameters", []).append("X_MIN_POSITION")


def _derived_id(method: str, path: str) -> str:
    """A name for an operation missing from OPERATION_IDS: `postV1Things`."""
    words = [word for word in path.replace(".", "/").split("/") if word and not word.startswith("{")]
    return method + "".join(word.title().replace("_", "") for word in words)


def register_fields(api) -> None:
    """JSON Schema has `format: uri` (marshmallow's Url maps to `url`, which it has not)."""
    api.register_field(ma.fields.Url, "string", "uri")
