"""Prometheus metrics at /metrics: requests by route and status, their latency, database
pool use, import lines by outcome, the search index's lag.

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
from sqlalchemy.exc import SQLAlchemyError

from service.search.status import index_status

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
SEARCH_INDEX_LAG = Gauge(
    "onrecord_search_index_lag_seconds",
    "How long the oldest change not yet in the search index has waited",
    multiprocess_mode="mostrecent",
)
IMPORT_LINES = Counter("onrecord_import_lines_total", "Import lines by outcome", ["outcome"])
# Any method name reaches the app (and is answered 405): as a label, each would be a new
# series, so anyone could grow /metrics without bound. The others share OTHER_METHOD.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"


# (method, route, status) -> its request counter and latency histogram: prometheus-client
# validates the labels and takes a lock to find them on each call to `labels`.
_SERIES: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe(request: flask.Request, response: flask.Response, seconds: float) -> None:
    """Count one answered request."""
    route = request.url_rule.rule if request.url_rule else "unmatched"
    method = request.method if request.method in METHODS else OTHER_METHOD
    labels = (method, route, response.status_code)
    series = _SERIES.get(labels)
    if series is None:
        series = _SERIES[labels] = (REQUESTS.labels(*labels), LATENCY.labels(*labels[:2]))
    series[0].inc()
    series[1].observe(seconds)
    database = flask.current_app.extensions.get("db")
    if database is not None and database.started:
        POOL_IN_USE.set(database.engine.pool.checkedout())


def count_import(report: dict) -> None:
    """Count an import's lines by outcome, from its report."""
    for outcome in ("created", "matched", "failed"):
        IMPORT_LINES.labels(outcome).inc(report[outcome])


def observe_search_index() -> None:
    """Measure the search index's lag now (left as it was if the database does not answer
    or there is no index yet)."""
    try:
        with flask.current_app.extensions["db"].engine.connect() as connection:
            lag = index_status(connection)["lag_seconds"]
    except SQLAlchemyError:
        return
    if lag is not None:
        SEARCH_INDEX_LAG.set(lag)


def exposition() -> flask.Response:
    """The metrics of every worker, in Prometheus' text format."""
    observe_search_index()
    registry = REGISTRY
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return flask.Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: flask.Flask) -> None:
    """Serve /metrics."""
    app.add_url_rule("/metrics", "metrics", exposition)
