"""Errors as `application/problem+json` (RFC 9457), one shape for every endpoint."""

import json
import logging
import uuid
from http import HTTPStatus

import flask
import gunicorn.util
import marshmallow as ma
import psycopg
from psycopg.errors import QueryCanceled
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from service.observability import log_refusal

PROBLEM_MIMETYPE = "application/problem+json"

log = logging.getLogger(__name__)


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem: what went wrong, and for invalid input, what was wrong with each field."""

    type = ma.fields.String(metadata={"description": "URI identifying the problem type"})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What happened, for a human"})
    errors = ma.fields.Dict(metadata={"description": "Per-field messages, keyed by field name"})
    existing = ma.fields.String(
        metadata={"description": "On a 409: the path of the record this one would duplicate"}
    )


class Conflict(Exception):
    """A write that would duplicate an existing record."""

    def __init__(self, detail: str, existing: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.existing = existing


class Moved(Exception):
    """A record that was merged into another: answered 308 with the same path for the survivor."""

    def __init__(self, record_type: str, record_id: int, into_id: int):
        super().__init__(f"{record_type} {record_id} was merged into {record_type} {into_id}")
        self.record_type = record_type
        self.record_id = record_id
        self.into_id = into_id


def problem(status: int, detail: str | None = None, **extra) -> flask.Response:
    """Build a problem+json response."""
    body = {"type": "about:blank", "title": _title(status), "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = flask.jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    return response


def _title(status: int) -> str:
    return HTTPStatus(status).phrase


def _field_errors(messages) -> dict:
    """webargs keys messages by location ({"json": {...}}); clients want the fields."""
    if isinstance(messages, dict):
        merged: dict = {}
        for location in ("json", "query", "path", "headers", "form"):
            value = messages.get(location)
            if isinstance(value, dict):
                merged.update(value)
            elif value is not None:
                merged.setdefault("_body" if location == "json" else location, value)
        return merged or messages
    return {"_body": messages}


def handle_http_exception(error: HTTPException) -> flask.Response:
    """Every HTTP error, raised by Flask, werkzeug or our own `abort`, as a problem."""
    data = getattr(error, "data", None) or {}
    extra = {}
    if "messages" in data or "errors" in data:
        extra["errors"] = _field_errors(data.get("errors", data.get("messages")))
    detail = data.get("message") or _detail(error, bool(extra))
    response = problem(error.code or 500, detail, **extra)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if error.code == 405 and (allowed := getattr(error, "valid_methods", None)):
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _detail(error: HTTPException, has_field_errors: bool) -> str:
    if has_field_errors:
        return "The request has invalid fields; see `errors`."
    if isinstance(error, InternalServerError):
        return "An unexpected error occurred; it has been logged."
    return error.description or ""


def handle_conflict(error: Conflict) -> flask.Response:
    extra = {"existing": error.existing} if error.existing else {}
    return problem(409, error.detail, **extra)


def handle_moved(error: Moved) -> flask.Response:
    """308 to the same route for the surviving record, query string kept."""
    request = flask.request
    id_arg = f"{error.record_type}_id"
    if (request.view_args or {}).get(id_arg) != error.record_id:  # named in the body, not the path
        return problem(422, f"{error}.".capitalize())
    path_args = dict(request.view_args, **{id_arg: error.into_id})
    location = flask.url_for(request.endpoint, **path_args)
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    response = problem(308, f"{error}.".capitalize())
    response.headers["Location"] = location
    return response


def handle_integrity_error(error: IntegrityError) -> flask.Response:
    """A constraint the database enforces (a race the service's own checks lost)."""
    log.warning("integrity error: %s", error.orig)
    return problem(409, "The change conflicts with an existing record.")


def handle_database_unavailable(
    error: OperationalError | psycopg.OperationalError | PoolTimeout,
) -> flask.Response:
    """The database does not answer, no pooled connection came free in time, or a
    statement ran past its deadline and PostgreSQL cancelled it: a retryable 503, not a 500."""
    cause = getattr(error, "orig", error)  # logged without SQL or parameters
    if isinstance(cause, QueryCanceled):
        log.warning("statement cancelled: %s", cause)
        detail = "The request ran past its time limit and was stopped; try again later."
    elif isinstance(error, PoolTimeout):
        log.error("no pooled connection came free: %s", error)
        detail = "The service is busy: every database connection is in use; try again shortly."
    else:
        log.error("database unavailable: %s", cause)
        detail = "The database is not answering; try again shortly."
    response = problem(503, detail)
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(error: Exception) -> flask.Response:
    """Anything else: logged in full, answered without internals."""
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


# What gunicorn refuses before the app sees the request, and what to do instead.
HTTP_SERVER_REFUSALS = {
    414: "The request line (method, path and query) is over 8190 bytes; send long values in a POST body.",
    431: "A header is over 8190 bytes, or there are more than 100 headers.",
}


def write_http_server_error(sock, status: int, reason: str, message: str) -> None:
    """gunicorn's own answers (a request line or header over its limits, a malformed
    request) as problem+json, like every other error, with a request id and a log line
    like every other answer. gunicorn's message is left out: it may quote the request."""
    request_id = uuid.uuid4().hex
    body = {"type": "about:blank", "title": reason, "status": status}
    if status in HTTP_SERVER_REFUSALS:
        body["detail"] = HTTP_SERVER_REFUSALS[status]
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nX-Request-ID: {request_id}\r\n"
        f"Content-Type: {PROBLEM_MIMETYPE}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + payload)
    log_refusal(request_id, status)


def problems_from_gunicorn(server) -> None:
    """gunicorn `on_starting` hook: its error pages become problems in every worker it forks.
    gunicorn has no setting for them; its workers call `gunicorn.util.write_error`."""
    gunicorn.util.write_error = write_http_server_error


def init_app(app: flask.Flask) -> None:
    """Register the handlers (after flask-smorest's, so ours win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Conflict, handle_conflict)
    app.register_error_handler(Moved, handle_moved)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(psycopg.OperationalError, handle_database_unavailable)  # driver SQL
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
