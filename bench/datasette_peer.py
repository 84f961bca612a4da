"""Search under load beside Datasette: wrk at 64 connections against `onrecord serve`
and against Datasette (SQLite FTS5) holding the same quotes, with the same words.

    pip install -e '.[bench]'            # datasette, sqlite-utils
    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/datasette_peer.py --database $DATABASE_URL   # starts both servers (or --server URL)

The quotes (id, text, lang) are copied from PostgreSQL into a SQLite file once
(--sqlite, kept for later runs), with an FTS5 index by `sqlite-utils enable-fts`
(porter stemmer, as the service stems English). Datasette serves it immutable (no
locking), its SQL time limit raised so that no request fails under load. Each of
bench/search.py's queries is sent to both: `GET /v1/quotes?q=...&limit=20` (ranked,
highlighted, records from PostgreSQL) and `GET /<database>/quotes.json?_search=...&_size=20
&_shape=array` (phrases and words typed in part in FTS5's own syntax, `_searchmode=raw`).
Needs `wrk` (Debian: apt-get install wrk). Prints both rates and their ratio; with
--rounds N, both servers are measured in turn N times and the median ratio is the figure
(this machine is shared: a single pair of runs moved between 1.6 and 2.2).
"""

import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

from common import arguments, corpus, psycopg_url, serving, started
from load import wrk
from search import queries

SQLITE_BATCH = 20_000


def copy_to_sqlite(database_url: str, path: Path) -> None:
    """The quotes of the PostgreSQL corpus in a SQLite file with an FTS5 index."""
    import psycopg
    import sqlite_utils

    temporary = path.with_suffix(".partial")
    temporary.unlink(missing_ok=True)
    db = sqlite_utils.Database(temporary)
    with psycopg.connect(psycopg_url(database_url)) as conn, conn.cursor("quotes") as cursor:
        cursor.itersize = SQLITE_BATCH
        cursor.execute("SELECT id, text, lang FROM quotes ORDER BY id")
        rows = ({"id": i, "text": text, "lang": lang} for i, text, lang in cursor)
        db["quotes"].insert_all(rows, pk="id", batch_size=SQLITE_BATCH)
    db["quotes"].create_index(["lang"])
    db["quotes"].enable_fts(["text"], fts_version="FTS5", tokenize="porter")
    db.vacuum()
    db.close()
    temporary.rename(path)


def datasette_path(database: str, args: dict) -> str:
    """bench/search.py's query as Datasette's table search."""
    q = args["q"]
    params = {"_size": args["limit"], "_shape": "array"}
    if q.startswith('"') or " " not in q and len(q) == 4:
        params |= {"_search": q if q.startswith('"') else f"{q}*", "_searchmode": "raw"}
    else:
        params["_search"] = q
    if "lang" in args:
        params["lang"] = args["lang"]
    return f"/{database}/quotes.json?{urlencode(params)}"


def main() -> None:
    parser = arguments(__doc__, clients=64)
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/onrecord-bench-quotes.db"))
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each server, taken in turn; the figure is their median"
    )
    args = parser.parse_args()

    database, total = corpus(args.database)
    searches = queries(database, 400)
    if not args.sqlite.exists():
        copy_to_sqlite(args.database, args.sqlite)
    print(
        f"search under load over {total:,} quotes: {args.duration} s per run, {args.clients} connections, "
        f"{len(searches)} queries; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'':<24} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>8}")
    ours = [f"/v1/quotes?{urlencode(q)}" for q in searches]
    theirs = [datasette_path(args.sqlite.stem, q) for q in searches]
    datasette = [sys.executable, "-m", "datasette", "serve", "-i", str(args.sqlite), "--port", "{port}"]
    datasette += ["--setting", "sql_time_limit_ms", "60000", "--setting", "max_returned_rows", "100"]
    # Both servers stay up and are measured in turn, so that a round's two runs share the
    # machine's state of the moment; the idle one uses no CPU.
    with started(datasette, {}, "/-/versions.json") as peer_base, serving(args.server, args.database) as base:
        for url, paths in ((peer_base, theirs), (base, ours)):
            wrk(url, paths, min(5, args.duration), args.clients, args.wrk_threads)  # warm-up
        ratios, errors = [], 0
        for _ in range(args.rounds):
            peer = wrk(peer_base, theirs, args.duration, args.clients, args.wrk_threads)
            print(peer.line("Datasette _shape=array"), flush=True)
            result = wrk(base, ours, args.duration, args.clients, args.wrk_threads)
            print(result.line("GET /v1/quotes?q="))
            ratios.append(result.rate / peer.rate)
            errors += result.errors + peer.errors
            print(f"  ratio {ratios[-1]:.2f}; load average {os.getloadavg()[0]:.2f}", flush=True)
    spread = f" (median of {len(ratios)}: {min(ratios):.2f}-{max(ratios):.2f})" if len(ratios) > 1 else ""
    print(f"OnRecord / Datasette: {statistics.median(ratios):.2f}{spread} (target >= 2)")
    if errors:
        raise SystemExit(f"FAILED: {errors} requests failed")


if __name__ == "__main__":
    main()
