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
    """A test client that fails any response breaking the OpenAPI spec."""

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
        if sent.path.startswith(SPEC_PATH_PREFIXES):
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
def app(database_url, engine):
    # The whole suite runs as one key from one address: no limit for it here.
    app = create_app(Settings(rate_limit="1000000 per second"), database_url=database_url)
    app.test_client_class = SpecCheckingClient
    return app


@pytest.fixture
def client(app, engine, keys):
    """An HTTP client with a write key, whose every write is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    app.extensions["db"].bind(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys['write']}"
    yield test_client
    transaction.rollback()
    connection.close()
