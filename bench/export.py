"""Export throughput against a live `onrecord serve`, beside the bare SQL of the same query.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/export.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

Streams GET /v1/export (every quote, NDJSON, then CSV) and reads it to the end as a
client would, counting quotes (NDJSON lines, CSV rows) and bytes: quotes/s, MB/s and
the time to the first byte. The baseline of each format runs the service's own SQL for
the same export (compiled from its query builder, with its settings) straight through
psycopg: a server-side cursor read to the end, a partition of rows at a time as the
service fetches them. The CSV is also set beside the NDJSON's SQL. A warm-up pass of
the baseline comes first so that every timed run finds the same cache. When the
benchmark starts the server itself, it also prints the server's peak RSS during each
export (VmHWM of the gunicorn processes, reset before each run).
"""

import argparse
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from common import corpus, psycopg_url, serving
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from service.db import driver_sql
from service.exports.services import FORMATS, NO_JIT, PARTITION, _matching, export_query
from service.quotes.models import Quote

READ_SIZE = 1 << 16


@dataclass
class Transfer:
    """One export read to the end (times in seconds from the request)."""

    quotes: int
    rows: int
    bytes: int
    first_byte: float
    first_quote: float
    seconds: float

    @property
    def rate(self) -> float:
        return self.quotes / self.seconds

    def line(self, label: str) -> str:
        mb_per_s = self.bytes / self.seconds / 1e6
        return (
            f"{label:<40} {self.rate:9,.0f} quotes/s  {mb_per_s:6.1f} MB/s  first byte"
            f" {1000 * self.first_byte:7.1f} ms, first quote {1000 * self.first_quote:7.1f} ms"
            f"  total {self.seconds:6.1f} s"
        )


def export_statement(filters: dict, fmt: str) -> tuple[str, dict]:
    """The SQL `GET /v1/export` runs for these filters in `fmt` (see
    `service.exports.services`; without `q` its filters need no session)."""
    return driver_sql(export_query(None, filters, fmt), PGDialect_psycopg())


def count_statement(filters: dict) -> tuple[str, dict]:
    """How many quotes that export holds."""
    return driver_sql(
        select(func.count()).select_from(Quote).where(*_matching(None, filters)), PGDialect_psycopg()
    )


def over_http(base: str, fmt: str, filters: dict) -> Transfer:
    """GET /v1/export read to the end in READ_SIZE pieces, counting lines: NDJSON has a
    quote per line; CSV a header line, then a row per citation (its quote count is the
    caller's). The first quote is in when its line is complete."""
    header_lines = 1 if fmt == "csv" else 0
    started = time.perf_counter()
    first_byte = first_quote = None
    lines = size = 0
    with requests.get(
        f"{base}/v1/export", params=filters | {"format": fmt}, stream=True, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_content(READ_SIZE):
            now = time.perf_counter() - started
            first_byte = now if first_byte is None else first_byte
            lines += chunk.count(b"\n")
            size += len(chunk)
            if first_quote is None and lines > header_lines:
                first_quote = now
    seconds = time.perf_counter() - started
    rows = lines - header_lines
    return Transfer(
        rows if fmt == "ndjson" else 0, rows, size, first_byte or seconds, first_quote or seconds, seconds
    )


def bare(url: str, statement: tuple[str, dict]) -> Transfer:
    """The same query through psycopg, in a transaction with the export's settings: a
    named (server-side) cursor, PARTITION rows a fetch."""
    sql, params = statement
    with psycopg.connect(url) as conn, conn.cursor(name="bench_export") as cursor:
        conn.execute(str(NO_JIT))
        started = time.perf_counter()
        cursor.execute(sql, params)
        first_row, rows, size = None, 0, 0
        while batch := cursor.fetchmany(PARTITION):
            if first_row is None:
                first_row = time.perf_counter() - started
            rows += len(batch)
            size += sum(len(text) + 1 for (text,) in batch)
        seconds = time.perf_counter() - started
    return Transfer(rows, rows, size, first_row or seconds, first_row or seconds, seconds)


def server_pids(base: str) -> list[int]:
    """The gunicorn master and workers of the `onrecord serve` that `serving` started."""
    port = base.rsplit(":", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True).stdout
    return [int(pid) for pid in found.split()]


def reset_peak_rss(pids: list[int]) -> None:
    """Start each process's VmHWM afresh (Linux: write 5 to clear_refs; needs ownership)."""
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set size (VmHWM) among the processes, in MB."""
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True, help="the benchmark database (see gen_data.py)")
    parser.add_argument("--server", help="a running service on it (default: start one)")
    parser.add_argument("--runs", type=int, default=1, help="timed runs of each (the fastest is shown)")
    parser.add_argument("--lang", help="export only the quotes in this language (the API's filter)")
    args = parser.parse_args()

    database, total = corpus(args.database)
    filters = {"lang": args.lang} if args.lang else {}
    expected = database.fetch(count_statement(filters))[0][0]
    statements = {fmt: export_statement(filters, fmt) for fmt in FORMATS}
    url = psycopg_url(args.database)
    print(f"export of {expected:,} quotes (of {total:,}){f' with lang={args.lang}' if args.lang else ''}")
    print(f"load average at the start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    warm = bare(url, statements["ndjson"])
    print(warm.line("warm-up: bare SQL via psycopg"))
    with serving(args.server, args.database) as base:
        pids = [] if args.server else server_pids(base)
        # The first request of a worker opens its connection pool: not part of the timing.
        requests.get(f"{base}/v1/export", params={"said_from": "2999-01-01"}, timeout=60).raise_for_status()
        for fmt in FORMATS:
            baseline = min((bare(url, statements[fmt]) for _ in range(args.runs)), key=lambda t: t.seconds)
            if fmt == "ndjson":
                ndjson_sql = baseline
            runs, peaks = [], []
            for _ in range(args.runs):
                reset_peak_rss(pids)
                transfer = over_http(base, fmt, filters)
                peaks.append(peak_rss_mb(pids) if pids else float("nan"))
                if fmt == "csv":
                    transfer.quotes = expected
                elif transfer.quotes != expected:
                    raise SystemExit(f"the export sent {transfer.quotes:,} quotes, expected {expected:,}")
                runs.append(transfer)
            best = min(runs, key=lambda t: t.seconds)
            extra = f" ({best.rows:,} rows)" if fmt == "csv" else ""
            print(best.line(f"GET /v1/export {fmt}{extra}"))
            print(baseline.line(f"  baseline: its SQL via psycopg ({fmt})"))
            print(
                f"  ratio to baseline: quotes/s x{best.rate / baseline.rate:.2f}"
                f", first quote x{best.first_quote / baseline.first_quote:.2f}"
            )
            if fmt == "csv":
                print(f"  ratio to the NDJSON's SQL: quotes/s x{best.rate / ndjson_sql.rate:.2f}")
            rss = f"{max(peaks):.0f} MB" if pids else "n/a (--server given)"
            print(f"  server peak RSS during the export: {rss}")


if __name__ == "__main__":
    main()
