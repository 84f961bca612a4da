"""One JSON log line per request, with a request id that is also sent back as
`X-Request-ID` (a client's own id is kept if it sends a sane one). No bodies, no
secrets: the key appears by name only."""

import json
import logging
import re
import sys
import time
import uuid

import flask
import orjson

log = logging.getLogger("onrecord.requests")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _start() -> None:
    g = flask.g._get_current_object()  # once: each read through the proxy looks it up (~1 µs)
    g.request_started = time.perf_counter()
    offered = flask.request.headers.get("X-Request-ID", "")
    g.request_id = offered if _CLIENT_ID.match(offered) else uuid.uuid4().hex


def _finish(response: flask.Response) -> flask.Response:
    from service import metrics  # see service.metrics: imported in the workers only

    g, request = flask.g._get_current_object(), flask.request._get_current_object()
    request_id = g.get("request_id")
    response.headers["X-Request-ID"] = request_id or ""
    started = g.get("request_started")
    metrics.observe(request, response, time.perf_counter() - started if started else 0.0)
    _log_line(
        request_id,
        request.method,
        request.url_rule.rule if request.url_rule else None,
        request.path,
        response.status_code,
        round(1000 * (time.perf_counter() - started), 2) if started else None,
        g.get("api_key_name"),
    )
    return response


def log_refusal(request_id: str, status: int) -> None:
    """The log line of a request the HTTP server refused before the app saw it (its
    method and path unread, or not to be trusted)."""
    _log_line(request_id, None, None, None, status, None, None)


def _log_line(request_id, method, route, path, status, duration_ms, key) -> None:
    fields = {"request_id": request_id, "method": method, "route": route, "path": path}
    fields |= {"status": status, "duration_ms": duration_ms, "key": key}
    line = orjson.dumps(fields)
    # Anything but ASCII (in a path, say) escaped, so that no request puts a control
    # character or a bidirectional override into a log viewer.
    log.info(line.decode() if line.isascii() else json.dumps(fields, separators=(",", ":")))


def init_app(app: flask.Flask) -> None:
    """Log every request as one JSON line on stderr."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    app.before_request(_start)
    app.after_request(_finish)
