"""Every statement a request runs has a deadline: ONRECORD_STATEMENT_TIMEOUT, and the
longer ONRECORD_IMPORT_STATEMENT_TIMEOUT for imports and exports. Past it PostgreSQL
cancels the statement and the request answers 503 problem+json with `Retry-After`.

Through a live `onrecord serve`. The statements are made slow the honest way: they wait
behind a lock another session holds on the quotes table, as they would behind a
migration or a long maintenance transaction."""

import socket
import time
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import text

from service.cli import DEMO_FILE
from tests.conftest import new_key
from tests.test_cli import Serving, environment

READ_DEADLINE, LONG_DEADLINE = 1.0, 3.0
WAITING = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE application_name = 'onrecord' AND wait_event_type = 'Lock' AND state = 'active'"
)


@pytest.fixture(scope="module")
def live(database_url, engine):
    env = environment(
        DATABASE_URL=database_url,
        ONRECORD_STATEMENT_TIMEOUT=str(READ_DEADLINE),
        ONRECORD_IMPORT_STATEMENT_TIMEOUT=str(LONG_DEADLINE),
    )
    server = Serving(env)
    yield server
    server.stop()


@contextmanager
def quotes_locked(engine):
    """The quotes table locked by another session until the block ends."""
    with engine.connect() as connection:
        connection.execute(text("LOCK TABLE quotes IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()


def waiting_statements(engine) -> int:
    """The service's statements now waiting for a lock in PostgreSQL."""
    with engine.connect() as connection:
        return connection.execute(WAITING).scalar()


def timed(method: str, url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def assert_cancelled(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert "time limit" in response.json()["detail"]


def test_a_read_past_its_deadline_is_503_and_its_statement_is_cancelled(live, engine):
    with quotes_locked(engine):
        response, took = timed("GET", live.base + "/v1/quotes/1")
        assert_cancelled(response)
        assert READ_DEADLINE <= took < READ_DEADLINE + 1.5
        assert waiting_statements(engine) == 0  # cancelled in PostgreSQL, not just abandoned
    assert live.get("/v1/quotes/1").status_code == 200  # and the service goes on


def test_an_export_has_the_longer_deadline(live, engine):
    with quotes_locked(engine):
        response, took = timed("GET", live.base + "/v1/export")
        assert_cancelled(response)
        assert LONG_DEADLINE <= took < LONG_DEADLINE + 1.5
        assert waiting_statements(engine) == 0


def test_an_import_has_the_longer_deadline(live, engine, database_url):
    line = DEMO_FILE.read_bytes().splitlines(keepends=True)[0]
    headers = {"Authorization": f"Bearer {new_key(database_url)}", "Content-Type": "application/x-ndjson"}
    with quotes_locked(engine):
        response, took = timed("POST", live.base + "/v1/imports", data=line, headers=headers)
        assert LONG_DEADLINE <= took < LONG_DEADLINE + 2
        assert waiting_statements(engine) == 0
    assert response.json()["stopped_at"] == 1, response.text  # the report says where it stopped


def test_a_client_that_goes_away_leaves_nothing_running_past_the_deadline(live, engine):
    with quotes_locked(engine):
        client = socket.create_connection(("127.0.0.1", live.port))
        client.sendall(b"GET /v1/quotes/2 HTTP/1.1\r\nHost: onrecord\r\n\r\n")
        started = time.monotonic()
        deadline = started + 5
        while waiting_statements(engine) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_statements(engine) == 1  # the request's statement waits in PostgreSQL
        health, took = timed("GET", live.base + "/health")  # the one worker serves others meanwhile
        assert health.status_code == 200 and took < 0.5
        client.close()  # the client gives up
        time.sleep(max(0.0, started + READ_DEADLINE + 0.5 - time.monotonic()))
        assert waiting_statements(engine) == 0
