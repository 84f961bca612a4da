"""What the benchmarks share: timing one call many times, from one client or several
at once, and printing percentiles beside a baseline measured in the same run."""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclass
class Timing:
    """Latencies (seconds) of a run and its wall-clock time."""

    latencies: list[float]
    wall: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall

    def line(self, label: str) -> str:
        ms = [1000 * self.percentile(p) for p in (50, 95, 99)]
        return (
            f"{label:<34} p50 {ms[0]:7.1f} ms  p95 {ms[1]:7.1f} ms  p99 {ms[2]:7.1f} ms  "
            f"{self.rate:7.1f} req/s"
        )


def run(call: Callable, items: Sequence, clients: int = 1) -> Timing:
    """Call `call(item)` for every item, from `clients` threads at once."""

    def timed(item) -> float:
        start = time.perf_counter()
        call(item)
        return time.perf_counter() - start

    start = time.perf_counter()
    if clients == 1:
        latencies = [timed(item) for item in items]
    else:
        with ThreadPoolExecutor(clients) as pool:
            latencies = list(pool.map(timed, items))
    return Timing(latencies, time.perf_counter() - start)


# A load test is many requests from one address. The limiter stays on, with as many
# windows as the default limit, but they are set high enough never to answer 429.
UNLIMITED = "100000000 per minute; 1000000 per second"


@contextmanager
def serving(server: str | None, database_url: str):
    """The base URL of the service under test: `server` if given, else a fresh
    `onrecord serve` on `database_url` (default settings), stopped afterwards."""
    if server:
        yield server
        return
    onrecord = str(Path(sys.executable).parent / "onrecord")
    env = {"DATABASE_URL": database_url, "ONRECORD_RATE_LIMIT": UNLIMITED}
    with started([onrecord, "serve", "--port", "{port}"], env, "/ready") as base:
        yield base


@contextmanager
def started(command: list[str], env: dict[str, str], ready_path: str):
    """Run a server on a free local port (`{port}` in `command`), in this environment
    plus `env`, until the block ends; yields its base URL once `ready_path` answers 200."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [part.format(port=port) for part in command],
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + ready_path, process)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def _wait_ready(url: str, process, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not up, or its workers still booting
            pass
        time.sleep(0.5)
    raise SystemExit(f"no server answered at {url}")


class ConnectionPerThread:
    """One psycopg connection for each client thread, so the baseline runs as many
    queries at once as the service does."""

    def __init__(self, url: str):
        import psycopg

        self._connect = lambda: psycopg.connect(url, autocommit=True)
        self._local = threading.local()

    def fetch(self, statement: str | tuple[str, dict], params=None) -> list:
        if isinstance(statement, tuple):
            statement, params = statement
        if not hasattr(self._local, "conn"):
            self._local.conn = self._connect()
        return self._local.conn.execute(statement, params).fetchall()


def corpus(database_url: str) -> tuple[ConnectionPerThread, int]:
    """Connections to the benchmark database, and how many quotes it holds."""
    database = ConnectionPerThread(psycopg_url(database_url))
    return database, database.fetch("SELECT count(*) FROM quotes")[0][0]


def psycopg_url(url: str) -> str:
    """A DATABASE_URL as psycopg takes it."""
    from service.config import normalise_database_url

    return normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://")


def arguments(doc: str, clients: int = 8) -> argparse.ArgumentParser:
    """The options every HTTP benchmark takes."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the benchmark database (see gen_data.py)")
    parser.add_argument("--server", help="a running service on it (default: start one)")
    parser.add_argument("--clients", type=int, default=clients, help="concurrent clients (connections)")
    return parser


def against_baseline(
    label: str,
    call: Callable,
    items: Sequence,
    baseline: Callable,
    statements: Sequence,
    clients: int,
    baseline_label: str = "bare SQL via psycopg",
) -> None:
    """Warm both paths up, then time `call` over `items` and `baseline` over `statements`
    from one client and from `clients` at once, and print them side by side."""
    run(call, items[:10])
    run(baseline, statements[:10])
    for count in (1, clients):
        measured, base = run(call, items, count), run(baseline, statements, count)
        compare(f"{label}  {count} client(s)", measured, base, baseline_label)


def compare(
    label: str, measured: Timing, baseline: Timing, baseline_label: str = "bare SQL via psycopg"
) -> None:
    """Print a run, its baseline, and their ratio at the median and the 95th percentile."""
    print(measured.line(f"{label}"))
    print(baseline.line(f"  baseline: {baseline_label}"))
    ratio50 = measured.percentile(50) / baseline.percentile(50)
    ratio95 = measured.percentile(95) / baseline.percentile(95)
    n, mean = len(measured.latencies), 1000 * statistics.fmean(measured.latencies)
    print(f"  ratio to baseline: p50 x{ratio50:.2f}  p95 x{ratio95:.2f}  (n={n}, mean {mean:.1f} ms)")
