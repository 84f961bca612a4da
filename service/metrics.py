"""Prometheus metrics at /metrics: requests by route and status, their latency, database
pool use, import lines by outcome.

Under gunicorn each worker counts on its own; `onrecord serve` gives them a shared
directory (PROMETHEUS_MULTIPROC_DIR) and /metrics adds them up. prometheus-client
picks its storage when it is first imported, so this module is imported only by
the app factory, which runs in the workers.
"""

import os

import flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("onrecord_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "onrecord_request_duration_seconds",
    "Time to answer a request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
POOL_IN_USE = Gauge(
    "onrecord_db_pool_connections_in_use", "Database connections checked out", multiprocess_mode="livesum"
)
IMPORT_LINES = Counter("onrecord_import_lines_total", "Import lines by outcome", ["outcome"])


def observe(response: flask.Response, seconds: float) -> None:
    """Count one answered request."""
    request = flask.request
    route = request.url_rule.rule if request.url_rule else "unmatched"
    REQUESTS.labels(request.method, route, response.status_code).inc()
    LATENCY.labels(request.method, route).observe(seconds)
    database = flask.current_app.extensions.get("db")
    if database is not None and database.started:
        POOL_IN_USE.set(database.engine.pool.checkedout())


def count_import(report: dict) -> None:
    """Count an import's lines by outcome, from its report."""
    for outcome in ("created", "matched", "failed"):
        IMPORT_LINES.labels(outcome).inc(report[outcome])


def exposition() -> flask.Response:
    """The metrics of every worker, in Prometheus' text format."""
    registry = REGISTRY
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return flask.Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: flask.Flask) -> None:
    """Serve /metrics."""
    app.add_url_rule("/metrics", "metrics", exposition)
