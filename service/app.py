"""The application factory."""

import flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service import api as api_core
from service import errors, limits, observability, pages, pagination, spec, system
from service.auth.access import check_access
from service.auth.views import blp as keys
from service.config import Settings
from service.db import Database
from service.exports.views import blp as export
from service.extract.views import blp as extract
from service.imports.views import blp as imports
from service.quotes.views import blp as quotes
from service.search import index as search_index
from service.sources.views import blp as sources
from service.speakers.views import blp as speakers
from service.verify.views import blp as verify

API_DESCRIPTION = """\
OnRecord stores quoted statements: who said it, when, in which language, and where it
was published. Errors are `application/problem+json` (RFC 9457); lists are pages of
`{"items": [...], "next": url}` with a `Link: rel="next"` header (RFC 8288).
A request line (method, path and query, percent-encoded) over 8190 bytes is answered 414,
a header over 8190 bytes 431: send long values, such as a long claim to verify, in a POST body.

Searches (`q`) and verify run on a search index that follows the database, normally
well under a second behind; where reads are served by a replica (DATABASE_REPLICA_URL),
they may lag behind writes for as long as replication does. A successful write answers
with `X-Position`, the primary's WAL position once it is stored; send it back as
`X-Min-Position` on a read to be sure to see that write and all before it: the replica
answers if it has caught up, else the primary, and a search waits up to a second for
the index (then 503 with `Retry-After`). Any other `X-Min-Position` value (`primary`,
say) sends the read to the primary.
"""


def create_app(settings: Settings | None = None, database_url: str | None = None) -> flask.Flask:
    """Build the WSGI app. With no database URL, the embedded PostgreSQL is used
    (started on first use if `onrecord serve` has not started it)."""
    settings = settings or Settings()
    app = flask.Flask("service")
    app.config.update(
        API_TITLE="OnRecord",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        API_SPEC_OPTIONS={
            "info": {
                "description": API_DESCRIPTION,
                "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            },
            "servers": [{"url": "/", "description": "The server this document is served from"}],
        },
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        PUBLIC_READS=settings.public_reads,
        PUBLIC_URL=settings.public_url,
    )
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    app.json = api_core.JSONProvider(app)
    app.url_map.converters["id"] = api_core.IdConverter

    from service import metrics  # imported here, in the workers: see service.metrics

    metrics.init_app(app)
    observability.init_app(app)  # first: its timing and log line wrap the commit too
    Database(
        lambda: _database_url(settings, database_url),
        settings.pool_size,
        settings.database_replica_url,
        deadlines=(settings.statement_timeout, settings.import_statement_timeout),
    ).init_app(app)
    search_index.init_app(app, lambda: settings.index_dir_for(_database_url(settings, database_url)))
    api = api_core.OnRecordApi(app, spec_kwargs={"extra_plugins": [spec.OperationsPlugin(app)]})
    api.register_converter(api_core.IdConverter, api_core.id_schema)
    spec.register_fields(api)
    for blueprint in (quotes, speakers, sources, verify, imports, export, extract, keys, system.blp):
        api.register_blueprint(blueprint)
    limits.init_app(app, settings)
    pages.init_app(app, settings)
    errors.init_app(app)
    system.init_app(app)
    app.after_request(pagination.relocate)
    app.before_request(check_access)
    app.before_request(api_core.check_content_type)
    return app


def _database_url(settings: Settings, override: str | None) -> str:
    if override or settings.database_url:
        return override or settings.database_url
    from service import embedded

    return embedded.start(settings.data_dir).url
