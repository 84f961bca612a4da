"""Instructions per point read, counted by valgrind: `GET /v1/quotes/{id}` through the
service's app beside the same read through bench/load.py's bare Flask + psycopg app,
each called in-process through WSGI, in a gevent-patched process as a gunicorn worker
runs them.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/instructions.py --database $DATABASE_URL [--reads 1000]

wrk's requests per second (bench/load.py) move by a tenth or more from one run to the
next on a shared machine; a count of instructions does not, so it tells whether a change
to the Python around the statement helped. It counts this process only: not gunicorn's
HTTP parsing, not PostgreSQL's work, not the waits, which wrk's ratio adds to both apps.
Each app is counted twice under callgrind after the same warm-up, once with no reads and
once with --reads; the difference over --reads is its count per read. Needs valgrind
(Debian: apt-get install valgrind); a run takes some minutes (the imports alone are
tens of billions of instructions).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

WARM_UP = 300
SAMPLE = "SELECT id FROM quotes TABLESAMPLE SYSTEM (1) REPEATABLE (5) ORDER BY id LIMIT 1000"
APPS = {"bare": "bare Flask + psycopg read", "service": "GET /v1/quotes/{id}"}
_TOTALS = re.compile(rb"^(?:summary|totals): (\d+)", re.MULTILINE)


def read_quotes(kind: str, database: str, reads: int) -> None:
    """The child process: WARM_UP reads, then `reads` more, through the `kind` app."""
    from gevent import monkey

    monkey.patch_all()  # first, as in a gunicorn gevent worker
    from common import UNLIMITED, corpus
    from load import BARE_READ_PATH, bare_read_app
    from werkzeug.test import EnvironBuilder

    from service.app import create_app
    from service.config import Settings
    from service.server import cooperative_database_waits

    cooperative_database_waits(None)
    if kind == "service":
        app, prefix = create_app(Settings(rate_limit=UNLIMITED), database_url=database), "/v1/quotes/"
    else:
        app, prefix = bare_read_app(database), BARE_READ_PATH
    ids = [row[0] for row in corpus(database)[0].fetch(SAMPLE)]
    environs = [EnvironBuilder(path=f"{prefix}{quote_id}").get_environ() for quote_id in ids]
    statuses = []

    def start_response(status: str, *_) -> None:
        statuses.append(status)

    for count in (WARM_UP, reads):
        for index in range(count):
            body = app(dict(environs[index % len(environs)]), start_response)
            b"".join(body)
            body.close()
        if set(statuses) != {"200 OK"}:
            raise SystemExit(f"FAILED: reads answered {sorted(set(statuses))}")


def instructions(kind: str, database: str, reads: int) -> int:
    """The instructions a child process reading `reads` quotes executes, start to end."""
    with tempfile.TemporaryDirectory() as directory:
        counts = Path(directory) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}"]
        command += [f"--log-file={directory}/valgrind.log", sys.executable, __file__, "--child", kind]
        command += ["--database", database, "--reads", str(reads)]
        # The same hash seed in every run: set and dict orders, and so the work, are the same.
        seeded = os.environ | {"PYTHONHASHSEED": "0"}
        child = subprocess.run(command, env=seeded, capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(f"FAILED: {kind} run, exit {child.returncode}:\n{child.stderr[-2000:]}")
        return int(_TOTALS.search(counts.read_bytes()).group(1))


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--database", required=True, help="the benchmark database (see gen_data.py)")
    parser.add_argument("--reads", type=int, default=1000, help="reads counted, after the warm-up")
    parser.add_argument("--child", choices=APPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        read_quotes(args.child, args.database, args.reads)
        return
    runs = [(kind, reads) for kind in APPS for reads in (0, args.reads)]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        counted = pool.map(lambda run: instructions(run[0], args.database, run[1]), runs)
        totals = dict(zip(runs, counted, strict=True))
    per_read = {kind: (totals[kind, args.reads] - totals[kind, 0]) / args.reads for kind in APPS}
    print(f"instructions per point read, in-process ({args.reads:,} reads after {WARM_UP} to warm up):")
    for kind, label in APPS.items():
        print(f"  {label:<28} {per_read[kind]:>12,.0f}")
    print(
        f"bare read / point read: {per_read['bare'] / per_read['service']:.2f} "
        "(this process only; wrk's ratio adds gunicorn and PostgreSQL to both)"
    )


if __name__ == "__main__":
    main()
