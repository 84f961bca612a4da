"""`onrecord serve` and `onrecord migrate` as real processes, the way a user runs them."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from service import migrations

ONRECORD = str(Path(sys.executable).parent / "onrecord")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return env | {"ONRECORD_WORKERS": "1"} | overrides


class Serving:
    """`onrecord serve` in the background, stopped with SIGTERM. Its output goes to a
    file: a pipe nobody reads while it runs would fill up and block its log lines."""

    def __init__(self, env: dict, *args: str, onrecord: str = ONRECORD, cwd=None):
        self.index_dir = None
        if "ONRECORD_INDEX_DIR" not in env and "ONRECORD_DATA_DIR" not in env:
            self.index_dir = tempfile.TemporaryDirectory(prefix="onrecord-index-")
            env = env | {"ONRECORD_INDEX_DIR": self.index_dir.name}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [onrecord, "serve", "--port", str(self.port), *args],
            env=env,
            cwd=cwd,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def read_output(self) -> str:
        """Everything the server has written so far."""
        self.output.seek(0)
        return self.output.read()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited early:\n{self.read_output()}")
            try:
                ready = requests.get(self.base + "/ready", timeout=2)
                # Ready to search, too: the indexer builds the index after the start.
                if ready.status_code == 200 and ready.json()["search_index"]["status"] == "ready":
                    return
            except (requests.ConnectionError, requests.Timeout):  # not up, or its workers still booting
                pass
            time.sleep(0.3)
        self.process.kill()
        pytest.fail("serve did not become ready")

    def get(self, path: str, **params):
        return requests.get(self.base + path, params=params, timeout=10)

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        output = self.read_output()
        self.output.close()
        if self.index_dir is not None:
            self.index_dir.cleanup()
        assert self.process.returncode == 0, output
        return output


def test_serve_embedded_with_demo_data(data_dir):
    env = environment(ONRECORD_DATA_DIR=str(data_dir))
    server = Serving(env, "--demo")
    try:
        quotes = server.get("/v1/quotes", speaker="Ushakov").json()["items"]
        second = subprocess.run(
            [ONRECORD, "serve", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        output = server.stop()
    assert "quotes added" in output
    assert len({q["speaker"]["id"] for q in quotes}) == 1 and len(quotes) >= 4
    publishers = {c["source"]["publisher"] or c["source"]["title"] for q in quotes for c in q["citations"]}
    assert len(publishers) == 2, publishers
    assert second.returncode != 0
    assert "already using" in second.stderr
    assert not (data_dir / "pgdata" / "postmaster.pid").exists(), "PostgreSQL still running"


def test_demo_loads_once(data_dir):
    env = environment(ONRECORD_DATA_DIR=str(data_dir))
    first = Serving(env, "--demo")
    count = len(first.get("/v1/quotes", limit=500).json()["items"])
    first.stop()
    second = Serving(env, "--demo")
    try:
        assert len(second.get("/v1/quotes", limit=500).json()["items"]) == count
    finally:
        output = second.stop()
    assert "0 quotes added" in output


def test_serve_on_database_url(database_url, engine):  # engine: migrated, demo data loaded
    url = database_url.replace("postgresql://", "postgres://", 1)  # the form hosts hand out
    server = Serving(environment(DATABASE_URL=url))
    try:
        assert server.get("/ready").json()["status"] == "ready"
        assert server.get("/v1/speakers", q="Yury Ushakov").json()["items"][0]["name"] == "Yuri Ushakov"
        # A search's page from a pooled connection of its own, prepared on the server, and
        # (naming a speaker) from the request's transaction; the second time, prepared.
        for _ in range(2):
            english = server.get("/v1/quotes", q="Russia", lang="en").json()["items"]
            by_kim = server.get("/v1/quotes", q="Russia", speaker="Kim Jong Un").json()["items"]
            assert english and {quote["lang"] for quote in english} == {"en"}
            assert by_kim and {quote["speaker"]["name"] for quote in by_kim} == {"Kim Jong Un"}
    finally:
        server.stop()


def test_migrate_on_a_fresh_data_dir(data_dir):
    result = subprocess.run(
        [ONRECORD, "migrate"],
        env=environment(ONRECORD_DATA_DIR=str(data_dir)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"schema at {migrations.head_revision()}" in result.stdout
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def test_metrics_add_up_every_worker(database_url, engine):
    server = Serving(environment(DATABASE_URL=database_url, ONRECORD_WORKERS="2"))
    try:
        for _ in range(20):
            server.get("/health")
        text = server.get("/metrics").text
    finally:
        server.stop()
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("onrecord_requests_total{") and 'route="/health"' in line
    )
    assert counted >= 20, text[:2000]
