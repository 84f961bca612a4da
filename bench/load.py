"""Throughput under load: wrk against `onrecord serve`, beside a bare Flask app under
the same gunicorn settings.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/load.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

Needs `wrk` (Debian: apt-get install wrk). Each run lasts --duration seconds at
--clients connections (default 60 s, 64):

1. a bare Flask app answering constant JSON, served by `service.server.run_gunicorn`
   with the same settings (ONRECORD_WORKERS, ONRECORD_THREADS, GUNICORN_CMD_ARGS);
   then the same app reading the point reads' quotes, each with one psycopg query (a
   pool of ONRECORD_THREADS connections per worker) that builds the quote's JSON in
   PostgreSQL: the baseline of the point read;
2. point reads `GET /v1/quotes/{id}` of ids sampled from the corpus;
3. searches `GET /v1/quotes?q=...&limit=20` (bench/search.py's queries);
4. verifies `GET /v1/verify?text=...` (bench/verify.py's phrases: half verbatim,
   half with a word swapped);
5. the mix of the three (MIX), in a seeded random order.

With --rounds N the bare read and the point read, both served and warmed up alike, are
measured in turn N times (every other pair the point read first), each pair's ratio
printed: the machine's pace drifts from one run to the next.

wrk reports latency percentiles for a whole run only, so each endpoint has its own
run; the mix gives the service's figure under the combined load. Any socket error or
response other than 2xx/3xx fails the benchmark. The service runs with every part on
(access checks, rate limits, logging, metrics, ETags); its rate limit keeps the
default's two windows, raised so that the load, all from one address, does not meet
them (common.UNLIMITED: give a --server the same ONRECORD_RATE_LIMIT, or its 429s
fail the run).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import flask
from common import ConnectionPerThread, arguments, corpus, psycopg_url, serving, started
from search import queries
from verify import phrases

from service.config import Settings
from service.quotes.services import QUOTE_DOCUMENT

SEED = 5
MIX = {"point read": 90, "search": 5, "verify": 5}  # mostly reading records that are linked to
POINT_READ = ("GET /v1/quotes/{id}", "point read")
RUNS = {
    POINT_READ[0]: POINT_READ[1],
    "GET /v1/quotes?q=": "search",
    "GET /v1/verify?text=": "verify",
    "mix": "mix",
}
BARE_PATH = "/bare"
BARE_READ_PATH = "/bare/quotes/"
# Serve a bare app through the service's own gunicorn setup (argv[1]: the port, argv[2]:
# the app factory, argv[3]: its argument).
BARE_SERVER = """
import sys
import load
from service.config import Settings
from service.server import run_gunicorn
factory = getattr(load, sys.argv[2])
run_gunicorn(lambda: factory(*sys.argv[3:]), "127.0.0.1", int(sys.argv[1]), Settings())
"""
# A quote as GET /v1/quotes/{id} shows it, built by PostgreSQL in one statement: the
# service's own statement, so the two apps differ only in what runs around it.
BARE_READ = QUOTE_DOCUMENT
# Each wrk thread formats the requests once and sends them in turn, starting from its
# own place in the list; `done` prints the figures as JSON.
SCRIPT = """
local started, requests, next_request = 0, {}, 0
function setup(thread)
  thread:set("first", math.floor(started * #paths / threads))
  started = started + 1
end
function init(_)
  for i, path in ipairs(paths) do requests[i] = wrk.format("GET", path) end
  next_request = first
end
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "micros": %d, "socket_errors": %d, "status_errors": %d, '
    .. '"p50": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def bare_app() -> flask.Flask:
    """The baseline: Flask answering constant JSON, nothing else."""
    app = flask.Flask("bare")
    app.get(BARE_PATH)(lambda: {"status": "ok"})
    return app


def bare_read_app(database_url: str) -> flask.Flask:
    """The point read's baseline: Flask reading a quote with one psycopg query, nothing
    else (built in each gunicorn worker, with its own pool)."""
    from psycopg_pool import ConnectionPool

    app = flask.Flask("bare-read")
    pool = ConnectionPool(psycopg_url(database_url), min_size=1, max_size=Settings().threads)

    @app.get(f"{BARE_READ_PATH}<int:quote_id>")
    def read(quote_id: int) -> flask.Response:
        with pool.connection() as connection:
            row = connection.execute(BARE_READ, {"quote_id": quote_id}, prepare=True).fetchone()
        if row is None:
            flask.abort(404)
        return flask.Response(row[0], mimetype="application/json")

    return app


@dataclass
class Result:
    """One wrk run: requests answered, seconds, errors, latency percentiles (ms)."""

    requests: int
    seconds: float
    errors: int
    p50: float
    p99: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self, label: str) -> str:
        return f"{label:<24} {self.rate:9.1f} {self.p50:9.1f} {self.p99:9.1f} {self.errors:8d}"


def wrk(base: str, paths: list[str], seconds: int, connections: int, threads: int) -> Result:
    """Send GETs of `paths` (in turn, each thread from its own place) for `seconds`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f"threads = {threads}\npaths = {{{', '.join(json.dumps(p) for p in paths)}}}\n{SCRIPT}")
        script.flush()
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
        command += ["-s", script.name, base]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.split("RESULT ", 1)[1])
    return Result(
        requests=figures["requests"],
        seconds=figures["micros"] / 1e6,
        errors=figures["socket_errors"] + figures["status_errors"],
        p50=figures["p50"] / 1000,
        p99=figures["p99"] / 1000,
    )


def workload(database: ConnectionPerThread) -> dict[str, list[str]]:
    """The paths of each kind of request, and of the mix."""
    rng = random.Random(SEED)
    sample = "SELECT id FROM quotes TABLESAMPLE SYSTEM (1) REPEATABLE (5)"
    ids = [row[0] for row in database.fetch(sample)]
    rng.shuffle(ids)
    paths = {
        "point read": [f"/v1/quotes/{quote_id}" for quote_id in ids],
        "search": [f"/v1/quotes?{urlencode(args)}" for args in queries(database, 400)],
        "verify": [f"/v1/verify?{urlencode({'text': text})}" for text, _, _ in phrases(database, 200)],
    }
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=20_000)
    paths["mix"] = [rng.choice(paths[kind]) for kind in kinds]
    return paths


def positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main() -> None:
    parser = arguments(__doc__, clients=64)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--point-reads-only", action="store_true", help="only the point reads and their two baselines"
    )
    parser.add_argument(
        "--rounds",
        type=positive,
        default=1,
        help="pairs of runs of the bare read and the point read (the ratio of each)",
    )
    args = parser.parse_args()
    runs = {label: kind for label, kind in RUNS.items() if kind == "point read" or not args.point_reads_only}

    database, total = corpus(args.database)
    paths = workload(database)
    settings = Settings()
    print(
        f"load over {total:,} quotes: {args.duration} s per run, {args.clients} connections, "
        f"wrk {args.wrk_threads} threads; gunicorn {settings.workers} workers x {settings.threads} "
        f"threads, GUNICORN_CMD_ARGS={os.environ.get('GUNICORN_CMD_ARGS', '')!r}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"mix: {', '.join(f'{share}% {kind}' for kind, share in MIX.items())}")
    print(f"{'':<24} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>8}")

    def measure(label: str, base: str, kind: str) -> Result:
        result = wrk(base, paths[kind], args.duration, args.clients, args.wrk_threads)
        print(result.line(label), flush=True)
        return result

    bench = Path(__file__).resolve().parent
    bare_env = {"PYTHONPATH": os.pathsep.join([str(bench.parent), str(bench)])}
    paths["bare"] = [BARE_PATH]
    paths["bare read"] = [path.replace("/v1/quotes/", BARE_READ_PATH) for path in paths["point read"]]
    with started([sys.executable, "-c", BARE_SERVER, "{port}", "bare_app"], bare_env, BARE_PATH) as base:
        results = {"bare": measure("bare Flask", base, "bare")}
    bare_read = [sys.executable, "-c", BARE_SERVER, "{port}", "bare_read_app", args.database]
    pairs = []
    with (
        started(bare_read, bare_env, paths["bare read"][0]) as bare_base,
        serving(args.server, args.database) as base,
    ):
        # Both warmed up alike, then measured in turn: the machine's pace drifts between runs.
        wrk(bare_base, paths["bare read"], min(10, args.duration), args.clients, args.wrk_threads)
        wrk(base, paths["mix"], min(10, args.duration), args.clients, args.wrk_threads)
        bare_read_run = ("bare Flask + psycopg read", bare_base, "bare read")
        point_read_run = (POINT_READ[0], base, POINT_READ[1])
        for round_number in range(args.rounds):
            if round_number % 2:  # every other round the point read first, so that drift cancels
                point = measure(*point_read_run)
                pairs.append((measure(*bare_read_run), point))
            else:
                pairs.append((measure(*bare_read_run), measure(*point_read_run)))
        results |= {kind: measure(label, base, kind) for label, kind in runs.items() if kind != "point read"}
    bare = results["bare"]
    for bare_read_result, point in pairs:
        print(
            f"point read / bare read: {point.rate / bare_read_result.rate:.2f} (target >= 0.8); "
            f"point read / bare constant: {point.rate / bare.rate:.2f}; "
            f"point read p99 {point.p99:.1f} ms (target <= 50 ms)"
        )
    if len(pairs) > 1:
        ratios = sorted(point.rate / bare_read_result.rate for bare_read_result, point in pairs)
        print(
            f"point read / bare read over {len(pairs)} pairs: {ratios[0]:.2f}-{ratios[-1]:.2f}, "
            f"median {statistics.median(ratios):.2f}"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")
    errors = sum(result.errors for result in [*results.values(), *(r for pair in pairs for r in pair)])
    if errors:
        raise SystemExit(f"FAILED: {errors} requests failed (socket errors or status >= 400)")


if __name__ == "__main__":
    main()
