"""The indexer as a process: `onrecord indexer` runs it (and `onrecord serve` runs that
beside gunicorn), `onrecord reindex` builds a new index and switches to it."""

import fcntl
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from service.db import make_engine
from service.imports.command import Progress
from service.search.indexer import build, count_quotes, follow

RESTART_AFTER = 1.0  # seconds
STOP_WITHIN = 10.0
CHECK_EVERY = 0.25  # seconds: how often a waiting process looks for a reason to stop

log = logging.getLogger(__name__)


def reindex(url: str, index_dir: Path) -> Path:
    """Build a new index from the database beside the current one, with a progress bar,
    and switch to it (a running indexer follows); the new generation's path."""
    engine = make_engine(url, pool_size=1)
    try:
        progress = Progress("reindex", count_quotes(engine), unit="quote")
        generation = build(engine, index_dir, progress.update)
        progress.close()
        return generation
    finally:
        engine.dispose()


def _follow_until_stopped(url: str, index_dir: Path, supervisor: int) -> None:
    """The indexer process: take the index's lock (one writer), then follow the feed
    until SIGTERM or SIGINT, or until its supervisor (that process id) is gone."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [indexer %(process)d] %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def stopping() -> bool:
        return stop.is_set() or _orphaned(supervisor)

    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "indexer.lock", "a") as lock:
        if not _locked(lock, stopping):
            return
        engine = make_engine(url, pool_size=1)
        try:
            follow(engine, index_dir, stopping)
        finally:
            engine.dispose()


def _orphaned(parent: int | None) -> bool:
    """Whether the process that started this one, `parent`, has exited (a parent killed
    with SIGKILL cannot say so: its children are handed to another process)."""
    return parent is not None and os.getppid() != parent


def _locked(lock, stopping) -> bool:
    """Wait for the exclusive lock on `lock` (another indexer on this directory holds it)
    until `stopping()`; whether it was taken. A blocking flock would outlast SIGTERM:
    Python retries the call after the handler runs."""
    waiting = False
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if stopping():
                return False
            if not waiting:
                log.info("another indexer holds %s; waiting for it", lock.name)
                waiting = True
            time.sleep(CHECK_EVERY)


def supervise(url: str, index_dir: Path, parent: int | None = None) -> None:
    """Run the indexer in a child process, and start it again whenever it dies (a crash,
    a kill -9), until SIGTERM or SIGINT, or until `parent` (a process id: the process
    that started this one) has exited."""
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())

    def done() -> bool:
        if _orphaned(parent) and not stopping.is_set():
            log.warning("the process that started the search indexer has exited; stopping")
            stopping.set()
        return stopping.is_set()

    while not done():
        child = context.Process(
            target=_follow_until_stopped, args=(url, index_dir, os.getpid()), name="onrecord-indexer"
        )
        child.start()
        _wait_for(child, done)
        if not done():
            log.warning("the search indexer exited (%s); starting it again", child.exitcode)
            time.sleep(RESTART_AFTER)


def _wait_for(child: multiprocessing.Process, done) -> None:
    """Until `child` exits; once `done()`, stop it with SIGTERM, and with SIGKILL if it
    has not stopped within half of STOP_WITHIN (an index build does not look up)."""
    deadline = None
    while child.is_alive():
        child.join(CHECK_EVERY)
        if deadline is None and done():
            child.terminate()
            deadline = time.monotonic() + STOP_WITHIN / 2
        elif deadline is not None and time.monotonic() > deadline:
            child.kill()


@contextmanager
def indexer_process(url: str):
    """`onrecord indexer` on this database beside the caller (`onrecord serve`), stopped on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "indexer", "--stop-with-parent", str(os.getpid())],
        env=os.environ | {"DATABASE_URL": url},
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
