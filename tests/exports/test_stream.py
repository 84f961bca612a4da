"""The export's stream through a live `onrecord serve`, under each worker class: the
rows are read ahead by a thread of the request's own (a greenlet under gevent), which
must give every quote in order to a slow client, stop with the response however it
ends (HEAD, a client gone, a database error), and leave no transaction, connection or
thread behind.

The quotes are large (about 11 MB of NDJSON in all) so that the export outgrows what
the sockets buffer: a client that stops reading holds the stream up mid-export."""

import csv
import http.client
import io
import json
import os
import socket
import threading
import time
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import text

from service.db import make_engine
from service.exports.services import PARTITION, READ_AHEAD, read_ahead
from tests.exports.test_live import eventually_none_idle_in_transaction
from tests.imports.test_cli import onrecord
from tests.test_cli import Serving, environment

QUOTES = 2 * PARTITION + 500
DEADLINE = 1.0  # seconds: each of the export's statements, its FETCHes included
HELD = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'onrecord'"
    " AND state = 'idle in transaction' AND query LIKE 'FETCH%'"
)


@pytest.fixture
def large_quotes(fresh_database, tmp_path) -> str:
    """The URL of a database holding QUOTES quotes of about 4.5 kB each."""
    path = tmp_path / "quotes.ndjson"
    with path.open("w", encoding="utf-8") as file:
        for n in range(1, QUOTES + 1):
            body = {
                "text": f"Statement {n}, exported in order.",
                "lang": "en",
                "kind": "direct",
                "speaker": {"name": f"Speaker {n % 40}"},
                "context": "c" * 2000,
                "citations": [
                    {"source": {"url": f"https://example.org/{n % 300}"}, "printed_text": "p" * 2000}
                ],
            }
            file.write(json.dumps(body) + "\n")
    imported = onrecord("import", str(path), url=fresh_database)
    assert imported.returncode == 0, imported.stderr
    return fresh_database


@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_the_export_streams_in_order_and_stops_cleanly(large_quotes, worker_class):
    env = environment(
        DATABASE_URL=large_quotes,
        GUNICORN_CMD_ARGS=f"--worker-class {worker_class}",
        ONRECORD_THREADS="1",  # under gthread: a thread left behind would add to a fixed count
        ONRECORD_IMPORT_STATEMENT_TIMEOUT=str(DEADLINE),
    )
    server = Serving(env)
    engine = make_engine(large_quotes)
    try:
        with engine.connect() as connection:
            in_id_order = list(connection.execute(text("SELECT text FROM quotes ORDER BY id")).scalars())
        as_csv = requests.get(server.base + "/v1/export", params={"format": "csv"}, timeout=60)
        assert [
            row["text"] for row in csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff")))
        ] == in_id_order
        threads = worker_threads(server)

        # A slow client: holding the stream up past the deadline, it still gets every quote.
        with held_export(server, engine) as (first, response):
            time.sleep(DEADLINE + 0.5)
            lines = (first + response.read()).decode().splitlines()
        assert [json.loads(line)["text"] for line in lines] == in_id_order

        # HEAD never reads the body: each answers at once, and so does the next request
        # on the same connection (the worker is not stuck closing the export).
        with requests.Session() as keep_alive:
            for _ in range(3):
                started = time.monotonic()
                assert keep_alive.head(server.base + "/v1/export", timeout=10).status_code == 200
                assert keep_alive.get(server.base + "/health", timeout=10).status_code == 200
                assert time.monotonic() - started < 2

        # A client that goes away mid-export.
        with held_export(server, engine):
            pass
        assert eventually_none_idle_in_transaction(large_quotes)

        # The database connection lost mid-export: the body is cut short, not ended cleanly.
        with held_export(server, engine) as (_, response):
            with engine.connect() as connection:
                connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM ({HELD}) AS held"))
            with pytest.raises(http.client.IncompleteRead):
                response.read()

        assert eventually_none_idle_in_transaction(large_quotes)
        assert worker_threads(server) == threads
        ndjson = requests.get(server.base + "/v1/export", timeout=60)
        assert [json.loads(line)["text"] for line in ndjson.text.splitlines()] == in_id_order
    finally:
        engine.dispose()
        server.stop()


@contextmanager
def held_export(server: Serving, engine):
    """GET /v1/export by a client with a small receive buffer that reads its first bytes
    and then stops reading, until the server's export waits for it mid-stream: those
    bytes and the response, closed when the block ends."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.sock = socket.socket()
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    connection.sock.connect(("127.0.0.1", server.port))
    try:
        connection.request("GET", "/v1/export")
        response = connection.getresponse()
        first = response.read(1000)
        assert response.status == 200 and first
        time.sleep(0.5)  # long enough for the whole export, were it not held up
        with engine.connect() as database:
            assert database.execute(text(HELD)).first() is not None, "the export was not held up"
        yield first, response
    finally:
        connection.close()


def worker_threads(server: Serving) -> int:
    """How many threads the one gunicorn worker of `server` runs."""
    master = server.process.pid
    with open(f"/proc/{master}/task/{master}/children") as children:
        for pid in children.read().split():
            with open(f"/proc/{pid}/cmdline") as cmdline:
                if "serve" in cmdline.read():
                    return len(os.listdir(f"/proc/{pid}/task"))
    raise AssertionError("no gunicorn worker")


class Parts:
    """An iterator of `count` parts that records how many were taken, each taking
    `seconds` (a FETCH), failing at part `fail_at` if given."""

    def __init__(self, count: int, seconds: float = 0.0, fail_at: int | None = None):
        self.count, self.seconds, self.fail_at, self.taken = count, seconds, fail_at, 0

    def __iter__(self):
        return self

    def __next__(self) -> int:
        if self.taken == self.count:
            raise StopIteration
        time.sleep(self.seconds)
        self.taken += 1
        if self.taken == self.fail_at:
            raise RuntimeError("the database went away")
        return self.taken


def readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "read-ahead"]


def test_a_stream_read_for_its_first_part_alone_starts_no_reader():
    parts = Parts(10)
    stream = read_ahead(parts)
    assert next(stream) == 1
    stream.close()  # a HEAD: the first chunk made, the body never sent
    assert parts.taken == 1 and not readers()


def test_a_stream_closed_midway_has_stopped_its_reader_when_the_close_returns():
    parts = Parts(1000, seconds=0.01)
    stream = read_ahead(parts)
    assert [next(stream) for _ in range(3)] == [1, 2, 3]
    stream.close()  # a client gone
    taken = parts.taken
    assert not readers()
    time.sleep(0.1)
    assert parts.taken == taken <= 3 + READ_AHEAD + 2  # no more taken, and few ahead


def test_a_stream_gives_every_part_in_order_and_raises_what_its_reader_raised():
    assert list(read_ahead(Parts(50))) == list(range(1, 51))
    stream = read_ahead(Parts(50, fail_at=5))
    assert [next(stream) for _ in range(4)] == [1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="went away"):
        next(stream)
    assert not readers()
