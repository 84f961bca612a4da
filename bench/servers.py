"""The HTTP server itself: gunicorn's gthread workers beside its gevent workers (what
`onrecord serve` runs), under wrk at --clients connections, same workers, same machine.

    python bench/servers.py --database $DATABASE_URL [--duration 30]

For each server (GUNICORN_CMD_ARGS picks the worker class; ONRECORD_WORKERS and
ONRECORD_THREADS as set):

1. bench/load.py's bare Flask app answering constant JSON, through the service's own
   `service.server.run_gunicorn`: what the server costs per request;
2. point reads `GET /v1/quotes/{id}` through `onrecord serve` on --database;
3. the bare app again while --slow clients hold connections open, each sending a
   request line and then one header every 8 s (a slow or idle client): a server that
   lets them hold its request threads answers nothing here (wrk counts timeouts).

Each figure is printed with the load average at its start.
"""

import os
import socket
import sys
import threading
from contextlib import contextmanager

from common import UNLIMITED, arguments, corpus, started
from load import BARE_PATH, BARE_SERVER, workload, wrk

from service.config import Settings

SERVERS = {"gunicorn gthread": "--worker-class gthread", "gunicorn gevent": "--worker-class gevent"}
HEADER_EVERY = 8.0  # seconds


@contextmanager
def slow_clients(base: str, count: int):
    """`count` connections that send a request line, then a header every HEADER_EVERY s."""
    host, port = base.removeprefix("http://").split(":")
    stop = threading.Event()
    sockets = [socket.create_connection((host, int(port))) for _ in range(count)]
    for sock in sockets:
        sock.sendall(f"GET {BARE_PATH} HTTP/1.1\r\nHost: bench\r\n".encode())

    def dribble() -> None:
        n = 0
        while not stop.wait(HEADER_EVERY):
            n += 1
            for sock in sockets:
                try:
                    sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
                except OSError:
                    pass  # closed by the server: allowed

    thread = threading.Thread(target=dribble)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


def measure(args, label: str, base: str, paths: list[str], seconds: int | None = None) -> None:
    """One wrk run, printed with the load average at its start."""
    load = os.getloadavg()[0]
    result = wrk(base, paths, seconds or args.duration, args.clients, args.wrk_threads)
    print(f"{result.line(label):<80}  {load:.2f}", flush=True)


def main() -> None:
    parser = arguments(__doc__, clients=64)
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--slow", type=int, default=200, help="slow clients in the third run")
    args = parser.parse_args()

    database, total = corpus(args.database)
    reads = workload(database)["point read"]
    settings = Settings()
    print(
        f"servers: {args.duration} s per run, {args.clients} connections, wrk {args.wrk_threads} threads, "
        f"{settings.workers} workers ({settings.threads} threads each under gthread), {total:,} quotes"
    )
    print(f"{'':<44} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>8}  load avg")
    bench = os.path.dirname(os.path.abspath(__file__))
    bare_env = {"PYTHONPATH": os.pathsep.join([os.path.dirname(bench), bench])}
    onrecord = os.path.join(os.path.dirname(sys.executable), "onrecord")
    for name, worker_args in SERVERS.items():
        server_env = {"GUNICORN_CMD_ARGS": worker_args}
        bare = [sys.executable, "-c", BARE_SERVER, "{port}", "bare_app"]
        with started(bare, bare_env | server_env, BARE_PATH) as base:
            measure(args, f"{name}: constant JSON", base, [BARE_PATH])
            with slow_clients(base, args.slow):
                slowed = f"{name}: constant JSON, {args.slow} slow clients"
                measure(args, slowed, base, [BARE_PATH], min(args.duration, 20))
        db_env = {"DATABASE_URL": args.database, "ONRECORD_RATE_LIMIT": UNLIMITED}
        with started([onrecord, "serve", "--port", "{port}"], db_env | server_env, "/ready") as base:
            wrk(base, reads, min(10, args.duration), args.clients, args.wrk_threads)  # warm-up
            measure(args, f"{name}: GET /v1/quotes/{{id}}", base, reads)


if __name__ == "__main__":
    main()
