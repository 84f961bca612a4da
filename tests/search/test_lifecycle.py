"""The index beside a live `onrecord serve`: a write becomes searchable within a second,
the indexer survives a kill -9 mid-batch, a deleted, corrupt or older-format index is
rebuilt, and a database restored from a backup is noticed and the index rebuilt."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.db import make_engine
from service.search.command import STOP_WITHIN
from service.search.index import current_path
from service.search.indexer import problem
from tests.conftest import new_key
from tests.imports.test_cli import write_quotes
from tests.search.conftest import all_ids, found, insert_quote
from tests.test_cli import Serving, environment

SEARCHABLE_WITHIN = 1.0  # seconds: the documented bound, under normal load


def serve(url: str, index_dir: Path, *args: str) -> Serving:
    return Serving(environment(DATABASE_URL=url, ONRECORD_INDEX_DIR=str(index_dir)), *args)


def quote_ids(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(text("SELECT id FROM quotes")).scalars())
    finally:
        engine.dispose()


def index_status(server: Serving) -> dict:
    return server.get("/ready").json()["search_index"]


def eventually(check, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"not within {seconds} s")


def has_caught_up(server: Serving, url: str, feed_index_dir: Path) -> bool:
    status = index_status(server)
    return (
        status["status"] == "ready"
        and status["lag_seconds"] == 0
        and all_ids(feed_index_dir) == quote_ids(url)
    )


def post_quote(server: Serving, key: str, words: str) -> requests.Response:
    body = {"text": words, "lang": "en", "kind": "direct", "speaker_description": "an official"}
    body["source"] = {"publisher": "Example Wire", "title": words}
    response = requests.post(
        server.base + "/v1/quotes", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert response.status_code == 201, response.text
    return response


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:  # exited
        return []


def indexer_pid(server: Serving) -> int:
    """The process applying the feed: the child of `onrecord indexer`, itself serve's child."""

    def command(pid: int) -> str:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()

    supervisor = next(p for p in children(server.process.pid) if "service indexer" in command(p))
    return eventually(lambda: next((p for p in children(supervisor) if "spawn_main" in command(p)), None))


@pytest.fixture
def feed_index_dir(data_dir):
    return data_dir / "index"


def test_a_write_is_searchable_within_a_second(fresh_database, feed_index_dir):
    server = serve(fresh_database, feed_index_dir)
    try:
        eventually(lambda: index_status(server)["status"] == "ready")  # built after the start
        key, delays = new_key(fresh_database), []
        for n in range(5):
            written = post_quote(server, key, f"okapi number {n} grazes")
            began = time.monotonic()
            # The write's position sent back: the search waits for the index to hold it.
            searched = requests.get(
                server.base + "/v1/quotes",
                params={"q": f'"okapi number {n}"'},
                headers={"X-Min-Position": written.headers["X-Position"]},
                timeout=10,
            )
            delays.append(time.monotonic() - began)
            assert searched.status_code == 200, searched.text
            assert [quote["id"] for quote in searched.json()["items"]] == [written.json()["id"]]
        assert sorted(delays)[len(delays) // 2] < SEARCHABLE_WITHIN, delays
    finally:
        server.stop()


def test_kill_9_of_the_indexer_mid_batch_loses_and_doubles_nothing(fresh_database, feed_index_dir, tmp_path):
    server = serve(fresh_database, feed_index_dir)
    try:
        path = tmp_path / "quotes.ndjson"
        write_quotes(path, 3000)
        importing = subprocess.Popen(
            ["onrecord", "import", str(path)],
            env=environment(DATABASE_URL=fresh_database),
            executable=shutil.which("onrecord", path=str(Path(os.sys.executable).parent)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        eventually(lambda: (index_status(server)["lag_seconds"] or 0) > 0 or importing.poll() is not None)
        os.kill(indexer_pid(server), signal.SIGKILL)
        assert importing.wait(300) == 0
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir), 120)
        assert "exited (-9); starting it again" in server.read_output()
    finally:
        server.stop()


def test_a_deleted_index_is_rebuilt_while_other_reads_go_on(fresh_database, feed_index_dir):
    server = serve(fresh_database, feed_index_dir, "--demo")
    try:
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
        shutil.rmtree(feed_index_dir)
        assert server.get("/v1/quotes/1").status_code == 200
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
        assert found(feed_index_dir, "denuclearization")
    finally:
        server.stop()


@pytest.mark.parametrize("damage", ["corrupt", "older format"])
def test_a_damaged_index_is_rebuilt_at_start(fresh_database, feed_index_dir, damage):
    server = serve(fresh_database, feed_index_dir, "--demo")
    eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
    server.stop()
    before = current_path(feed_index_dir)
    if damage == "corrupt":
        (before / "meta.json").write_text("{not json")
    else:
        position = json.loads((before / "position.json").read_text())
        (before / "position.json").write_text(json.dumps(position | {"format": "0"}))
    server = serve(fresh_database, feed_index_dir)
    try:
        if damage == "older format":  # workers do not search an index of another format
            assert index_status(server)["status"] == "building" or current_path(feed_index_dir) != before
        eventually(lambda: current_path(feed_index_dir) != before)
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
        assert found(feed_index_dir, "denuclearization")
    finally:
        server.stop()


@pytest.fixture
def copy_database(database_url, empty_database):
    """Copies of a database, as a backup taken now and restored later would be; dropped after."""
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    made = []

    def copy(url: str) -> str:
        source = make_url(url)
        name = f"{source.database}_backup{len(made)}"
        empty_database.dispose()  # a template database must have no other session
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
        made.append(name)
        return source.set(database=name).render_as_string(hide_password=False)

    yield copy
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_database_restored_from_a_backup_gets_a_new_index(fresh_database, feed_index_dir, copy_database):
    server = serve(fresh_database, feed_index_dir, "--demo")
    eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
    server.stop()
    backup = copy_database(fresh_database)
    server = serve(fresh_database, feed_index_dir)
    try:
        post_quote(server, new_key(fresh_database), "lost when the database was restored")
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
    finally:
        server.stop()
    # The restored database goes on from the backup: its feed reuses the ids the index saw.
    engine = make_engine(backup)
    with engine.begin() as connection:
        insert_quote(connection, "written after the restore")
    engine.dispose()
    server = serve(backup, feed_index_dir)
    try:
        eventually(lambda: found(feed_index_dir, '"lost when the database was restored"') == [])
        eventually(lambda: has_caught_up(server, backup, feed_index_dir))
        assert len(found(feed_index_dir, '"written after the restore"')) == 1
        # (behind the index, or a different one: which depends on how many feed rows each wrote)
        assert "building the search index: the database" in server.read_output()
    finally:
        server.stop()


def test_an_index_older_than_the_feed_keeps_is_rebuilt(feed_engine, feed_indexer, feed_index_dir):
    with feed_engine.begin() as connection:
        kept = insert_quote(connection, "pangolin")
    feed_indexer.catch_up()
    feed_indexer.close()
    with feed_engine.begin() as connection:  # changes the index missed, then pruned away
        connection.execute(text("DELETE FROM search_feed"))
        missed = insert_quote(connection, "pangolin scales")
        connection.execute(text("DELETE FROM search_feed WHERE record_id = :id"), {"id": missed})
        insert_quote(connection, "armadillo")
    assert "older than the change feed keeps" in problem(feed_engine, feed_index_dir)
    feed_indexer.start()
    assert found(feed_index_dir, "pangolin") == [kept, missed]


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, at this moment."""
    below = children(pid)
    return set(below).union(*(descendants(child) for child in below))


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_serve_whose_indexer_waits_for_another_stops_whole(fresh_database, feed_index_dir):
    """A second serve on the same index: its indexer waits for the first's lock, and a
    SIGTERM still stops it, within the deadline, with nothing left behind."""
    first = serve(fresh_database, feed_index_dir)
    try:
        second = serve(fresh_database, feed_index_dir)
        eventually(lambda: "another indexer holds" in second.read_output())
        processes = descendants(second.process.pid)
        began = time.monotonic()
        second.stop()
        assert time.monotonic() - began < STOP_WITHIN
        assert not [pid for pid in processes if running(pid)]
    finally:
        first.stop()


def test_a_killed_serve_leaves_no_indexer_behind(fresh_database, feed_index_dir):
    server = serve(fresh_database, feed_index_dir)
    processes = descendants(server.process.pid)
    server.process.kill()
    server.process.wait()
    eventually(lambda: not [pid for pid in processes if running(pid)], STOP_WITHIN)
    server = serve(fresh_database, feed_index_dir)  # and the index's lock is free again
    try:
        eventually(lambda: has_caught_up(server, fresh_database, feed_index_dir))
    finally:
        server.stop()
