"""Test fixtures: one real PostgreSQL per run (embedded, or TEST_DATABASE_URL), migrated
once, with the example data loaded; each test runs in a transaction rolled back at the end.

Every response to an API path is validated against the committed `openapi.yaml`.
"""

import json
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.validation.response.exceptions import MissingData
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import EnvironBuilder

from service import embedded, migrations
from service.app import create_app
from service.auth.models import SCOPES
from service.auth.services import create_key
from service.cli import DEMO_FILE
from service.config import Settings
from service.db import make_engine
from service.imports.ndjson import import_lines
from service.search.indexer import Indexer, build

ROOT = Path(__file__).resolve().parents[1]
SPEC = OpenAPI.from_file_path(
    str(ROOT / "openapi.yaml"),
    config=Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "text/csv": lambda body: body.decode("utf-8"),
        }
    ),
)
SPEC_PATH_PREFIXES = ("/v1/", "/health", "/ready")


@contextmanager
def temporary_data_dir():
    """A temporary data directory for an embedded PostgreSQL. Not under pytest's own
    temporary root: a pytest session starting on the same machine makes that root
    private again, and the server's system user would lose its way in."""
    path = Path(tempfile.mkdtemp(prefix="onrecord-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def data_dir():
    """An empty data directory for `onrecord` processes run by a test."""
    with temporary_data_dir() as path:
        yield path


@pytest.fixture(scope="session")
def embedded_server():
    """An embedded PostgreSQL in a temporary data directory, for this run only."""
    with temporary_data_dir() as path:
        server = embedded.start(path)
        yield server
        server.stop()


@pytest.fixture(scope="session")
def database_url(request):
    """TEST_DATABASE_URL if set, else a fresh embedded PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url or request.getfixturevalue("embedded_server").url


def new_key(url: str, scope: str = "write") -> str:
    """The secret of a new API key on the database at `url`."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return create_key(session, f"tests-{scope}-{uuid.uuid4().hex[:8]}", scope)[1]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    """The test database, migrated to head, holding the example data."""
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    with Session(engine) as session, session.begin(), DEMO_FILE.open(encoding="utf-8") as lines:
        report = import_lines(session, lines)
    assert report.failed == 0, report.errors
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def keys(database_url, engine) -> dict[str, str]:
    """A secret for each scope, on the test database."""
    return {scope: new_key(database_url, scope) for scope in SCOPES}


class SpecCheckingClient(FlaskClient):
    """A test client that fails any response breaking the OpenAPI spec, and brings the
    search index up to date with each write (`after_write`)."""

    after_write = None

    def patch_current(self, path: str, **kwargs):
        """PATCH as a careful client does: with the `If-Match` of a fresh read."""
        return self.patch(path, headers=self._if_match(path) | kwargs.pop("headers", {}), **kwargs)

    def delete_current(self, path: str, **kwargs):
        """DELETE with the `If-Match` of a fresh read."""
        return self.delete(path, headers=self._if_match(path) | kwargs.pop("headers", {}), **kwargs)

    def _if_match(self, path: str) -> dict:
        etag = self.get(path.split("?")[0]).headers.get("ETag")
        return {"If-Match": etag or '"no-such-record"'}

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        sent = response.request
        if self.after_write is not None and sent.method not in ("GET", "HEAD", "OPTIONS"):
            self.after_write()
        if sent.path.startswith(SPEC_PATH_PREFIXES) and sent.method != "HEAD":  # a HEAD is its GET's headers
            # The request's body was consumed by the app: describe it again without one.
            request = EnvironBuilder(
                method=sent.method, path=sent.path, query_string=sent.query_string.decode()
            ).get_request()
            try:
                SPEC.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
            except (PathNotFound, OperationNotFound):
                assert response.status_code in (404, 405), "an undocumented route answered"
            except MissingData:
                assert response.mimetype == "application/x-ndjson", "an empty body where one is due"
        return response


@pytest.fixture(scope="session")
def index_dir():
    """The search index of the test database, built once."""
    with temporary_data_dir() as path:
        yield path / "index"


@pytest.fixture(scope="session")
def indexer(engine, index_dir):
    """The test index's writer, over the example data."""
    build(engine, index_dir)
    indexer = Indexer(engine, index_dir)
    indexer.start()
    yield indexer
    indexer.close()


@pytest.fixture(scope="session")
def app(database_url, engine, index_dir, indexer):
    # The whole suite runs as one key from one address: no limit for it here.
    settings = Settings(rate_limit="1000000 per second", index_dir=index_dir)
    app = create_app(settings, database_url=database_url)
    app.test_client_class = SpecCheckingClient
    return app


# The quotes whose feed rows the test's own (never committed) transaction wrote.
OWN_CHANGES = text(
    """
    SELECT record_id FROM search_feed WHERE record_type = 'quote' AND xid = :xid
    UNION SELECT q.id FROM search_feed f JOIN quotes q ON q.speaker_id = f.record_id
    WHERE f.record_type = 'speaker' AND f.xid = :xid
    """
)
OWN_XID = text("SELECT pg_current_xact_id_if_assigned()::text::bigint")


@pytest.fixture
def client(app, engine, keys, indexer):
    """An HTTP client with a write key, whose every write is rolled back after the test.

    Its writes are never committed, so the indexer cannot see them in the feed: after each
    one the client re-indexes the quotes the transaction changed as it sees them, and
    after the rollback the same quotes again from their committed rows."""
    connection = engine.connect()
    transaction = connection.begin()
    app.extensions["db"].bind(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    changed: set[int] = set()

    def index_own_changes():
        xid = connection.execute(OWN_XID).scalar()
        quote_ids = set(connection.execute(OWN_CHANGES, {"xid": xid}).scalars()) if xid else set()
        changed.update(quote_ids)
        indexer.refresh(connection, quote_ids)

    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys['write']}"
    test_client.after_write = index_own_changes
    yield test_client
    transaction.rollback()
    if changed:
        indexer.refresh(connection, changed)
        connection.rollback()
    connection.close()


@pytest.fixture(scope="module")
def live_database(database_url, engine):
    """A new database on the test server, for one module's live server; dropped after."""
    name = f"onrecord_live_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
