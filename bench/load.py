"""Throughput under load: wrk against `onrecord serve`, beside a bare Flask app under
the same gunicorn settings.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/load.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

Needs `wrk` (Debian: apt-get install wrk). Each run lasts --duration seconds at
--clients connections (default 60 s, 64):

1. a bare Flask app answering constant JSON, served by `service.server.run_gunicorn`
   with the same settings (ONRECORD_WORKERS, ONRECORD_THREADS, GUNICORN_CMD_ARGS);
2. point reads `GET /v1/quotes/{id}` of ids sampled from the corpus;
3. searches `GET /v1/quotes?q=...&limit=20` (bench/search.py's queries);
4. verifies `GET /v1/verify?text=...` (bench/verify.py's phrases: half verbatim,
   half with a word swapped);
5. the mix of the three (MIX), in a seeded random order.

wrk reports latency percentiles for a whole run only, so each endpoint has its own
run; the mix gives the service's figure under the combined load. Any socket error or
response other than 2xx/3xx fails the benchmark. The service runs with every part on
(access checks, rate limits, logging, metrics, ETags); its rate limit keeps the
default's two windows, raised so that the load, all from one address, does not meet
them (common.UNLIMITED: give a --server the same ONRECORD_RATE_LIMIT, or its 429s
fail the run).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import flask
from common import ConnectionPerThread, arguments, corpus, serving, started
from search import queries
from verify import phrases

from service.config import Settings

SEED = 5
MIX = {"point read": 90, "search": 5, "verify": 5}  # mostly reading records that are linked to
RUNS = {
    "GET /v1/quotes/{id}": "point read",
    "GET /v1/quotes?q=": "search",
    "GET /v1/verify?text=": "verify",
    "mix": "mix",
}
BARE_PATH = "/bare"
# Serve bare_app through the service's own gunicorn setup (argv[1]: the port).
BARE_SERVER = """
import sys
from service.config import Settings
from service.server import run_gunicorn
from load import bare_app
run_gunicorn(bare_app, "127.0.0.1", int(sys.argv[1]), Settings())
"""
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


def main() -> None:
    parser = arguments(__doc__, clients=64)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()

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
    with started([sys.executable, "-c", BARE_SERVER, "{port}"], bare_env, BARE_PATH) as base:
        results = {"bare": measure("bare Flask", base, "bare")}
    with serving(args.server, args.database) as base:
        wrk(base, paths["mix"], min(10, args.duration), args.clients, args.wrk_threads)  # warm-up
        results |= {kind: measure(label, base, kind) for label, kind in RUNS.items()}
    bare, point = results["bare"], results["point read"]
    print(
        f"point read / bare: {point.rate / bare.rate:.2f} (target >= 0.5); "
        f"point read p99 {point.p99:.1f} ms (target <= 50 ms); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    errors = sum(result.errors for result in results.values())
    if errors:
        raise SystemExit(f"FAILED: {errors} requests failed (socket errors or status >= 400)")


if __name__ == "__main__":
    main()
