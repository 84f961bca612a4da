"""The flask-smorest API object: problem+json error responses in the spec, and
the `id` path converter (a positive 64-bit integer, so no id overflows a query)."""

import http

import flask
import orjson
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api, abort
from flask_smorest.utils import prepare_response
from werkzeug.routing import IntegerConverter

from service.errors import PROBLEM_MIMETYPE, ProblemSchema
from service.fields import MAX_ID

# Where every API path starts: rate limits, keys and the spec's scopes apply under it.
API_PREFIX = "/v1/"
# Request bodies every JSON endpoint accepts; other views declare their own.
JSON_TYPES = frozenset({"application/json"})


class IdConverter(IntegerConverter):
    """A record id: 1 to 2**63 - 1 (PostgreSQL's bigint), in ASCII digits."""

    regex = r"[0-9]+"  # werkzeug's \d+ also takes other scripts' digits: /v1/quotes/١ was quote 1

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=MAX_ID, **kwargs)


def id_schema(converter: IdConverter) -> dict:
    """An `id` path parameter in the spec."""
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class JSONProvider(DefaultJSONProvider):
    """Response bodies as compact UTF-8 JSON, keys in the order given, written by orjson:
    the text Flask's own provider wrote, in a sixth of the time (but for the notation of
    a very small or large float, and NaN, which JSON lacks, as null). flask-smorest's
    ETag input (keys sorted, only ever hashed) is orjson's too. Dates and dataclasses
    still go to Flask's `default`; any other output (the debugger's indented JSON) is
    Flask's own."""

    ensure_ascii = False
    sort_keys = False
    COMPACT = {"separators": (",", ":")}  # what `response` asks for outside debug mode
    SORTED = {"sort_keys": True}  # what flask-smorest's ETags hash
    OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def dumps(self, obj, **kwargs) -> str:
        option = self._orjson_option(kwargs)
        if option is not None:
            try:
                return orjson.dumps(obj, default=self.default, option=option).decode()
            except orjson.JSONEncodeError:  # what orjson refuses, such as an integer past 64 bits
                pass
        return super().dumps(obj, **kwargs)

    def _orjson_option(self, kwargs: dict) -> int | None:
        if kwargs == self.COMPACT:
            return self.OPTIONS
        if kwargs == self.SORTED:
            return self.OPTIONS | orjson.OPT_SORT_KEYS
        return None


# Headers a problem of this status carries (components declared in service.spec).
RETRY_HEADERS = {"Retry-After": "RETRY_AFTER"}
PROBLEM_HEADERS = {
    http.HTTPStatus.TOO_MANY_REQUESTS: RETRY_HEADERS
    | {
        "X-RateLimit-Limit": "X_RATELIMIT_LIMIT",
        "X-RateLimit-Remaining": "X_RATELIMIT_REMAINING",
        "X-RateLimit-Reset": "X_RATELIMIT_RESET",
    },
    http.HTTPStatus.SERVICE_UNAVAILABLE: RETRY_HEADERS,
}


class OnRecordApi(Api):
    """flask-smorest's Api, documenting errors as RFC 9457 problems."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            if status in PROBLEM_HEADERS:
                response["headers"] = dict(PROBLEM_HEADERS[status])
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self):
        """None: pages are cursors, in the body and a `Link` header (service.pagination),
        not flask-smorest's `X-Pagination`, whose unused schema generated clients would get."""


def accepts(*mimetypes: str):
    """Declare the request body types a view takes (the default is JSON only)."""

    def decorate(view):
        view.accepted_types = frozenset(mimetypes)
        return view

    return decorate


def view_method():
    """The function that handles this request: the MethodView's method for its HTTP method."""
    request = flask.request
    view = flask.current_app.view_functions[request.endpoint]
    return getattr(getattr(view, "view_class", None), request.method.lower(), view)


def check_content_type() -> flask.Response | None:
    """415 for a request body of a type the view does not take."""
    from service.errors import problem

    request = flask.request
    if request.method not in ("POST", "PUT", "PATCH") or request.url_rule is None:
        return None
    accepted = getattr(view_method(), "accepted_types", JSON_TYPES)
    if request.mimetype not in accepted:
        return problem(
            415,
            f"Send the body as {' or '.join(sorted(accepted))}, not {request.mimetype or 'no type'}.",
        )
    return None


def requested_format(choices: tuple[str, ...], error_status: int) -> str | None:
    """The `format` query argument: what curl users type instead of an `Accept` header.
    The spec leaves it out, so that no generated client can ask an operation documented
    as JSON for a body it would then parse as JSON; the other forms have their own
    operations."""
    value = flask.request.args.get("format")
    if value is not None and value not in choices:
        abort(error_status, errors={"format": [f"Must be one of: {', '.join(choices)}."]})
    return value
