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

from service.db import make_engine, wal_position
from service.search.index import current_path
from tests.conftest import new_key
from tests.imports.test_cli import write_quotes
from tests.search.conftest import all_ids, found
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


def has_caught_up(server: Serving, url: str, index_dir: Path) -> bool:
    status = index_status(server)
    return status["status"] == "ready" and status["lag_seconds"] == 0 and all_ids(index_dir) == quote_ids(url)


def post_quote(server: Serving, key: str, words: str) -> requests.Response:
    body = {"text": words, "lang": "en", "kind": "direct", "speaker_description": "an official"}
    body["source"] = {"publisher": "Example Wire", "title": words}
    response = requests.post(
        server.base + "/v1/quotes", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert response.status_code == 201, response.text
    return response


def indexer_pid(server: Serving) -> int:
    """The process applying the feed: the child of `onrecord indexer`, itself serve's child."""

    def children(pid: int) -> list[int]:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def command(pid: int) -> str:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()

    supervisor = next(p for p in children(server.process.pid) if "service indexer" in command(p))
    return eventually(lambda: next((p for p in children(supervisor) if "spawn_main" in command(p)), None))


@pytest.fixture
def index_dir(data_dir):
    return data_dir / "index"


def test_a_write_is_searchable_within_a_second(fresh_database, index_dir):
    server = serve(fresh_database, index_dir)
    try:
        key = new_key(fresh_database)
        delays = []
        for n in range(5):
            written = post_quote(server, key, f"okapi number {n} grazes")
            began, wanted = time.monotonic(), wal_position(written.headers["X-Position"])
            eventually(lambda w=wanted: wal_position(index_status(server)["position"] or "0/0") >= w, 10)
            delays.append(time.monotonic() - began)
            assert found(index_dir, f'"okapi number {n}"') == [written.json()["id"]]
        assert sorted(delays)[len(delays) // 2] < SEARCHABLE_WITHIN, delays
    finally:
        server.stop()


def test_kill_9_of_the_indexer_mid_batch_loses_and_doubles_nothing(fresh_database, index_dir, tmp_path):
    server = serve(fresh_database, index_dir)
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
        eventually(lambda: has_caught_up(server, fresh_database, index_dir), 120)
        assert "exited (-9); starting it again" in server.read_output()
    finally:
        server.stop()


def test_a_deleted_index_is_rebuilt_while_other_reads_go_on(fresh_database, index_dir):
    server = serve(fresh_database, index_dir, "--demo")
    try:
        eventually(lambda: has_caught_up(server, fresh_database, index_dir))
        shutil.rmtree(index_dir)
        assert server.get("/v1/quotes/1").status_code == 200
        eventually(lambda: has_caught_up(server, fresh_database, index_dir))
        assert found(index_dir, "denuclearization")
    finally:
        server.stop()


@pytest.mark.parametrize("damage", ["corrupt", "older format"])
def test_a_damaged_index_is_rebuilt_at_start(fresh_database, index_dir, damage):
    server = serve(fresh_database, index_dir, "--demo")
    eventually(lambda: has_caught_up(server, fresh_database, index_dir))
    server.stop()
    before = current_path(index_dir)
    if damage == "corrupt":
        (before / "meta.json").write_text("{not json")
    else:
        position = json.loads((before / "position.json").read_text())
        (before / "position.json").write_text(json.dumps(position | {"format": "0"}))
    server = serve(fresh_database, index_dir)
    try:
        if damage == "older format":  # workers do not search an index of another format
            assert index_status(server)["status"] == "building"
        eventually(
            lambda: current_path(index_dir) != before and has_caught_up(server, fresh_database, index_dir)
        )
        assert found(index_dir, "denuclearization")
    finally:
        server.stop()
