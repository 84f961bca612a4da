"""Import throughput against PostgreSQL's own COPY of the same rows, and peak memory.

    .venv/bin/python bench/import.py --quotes 20000              # embedded PostgreSQL in a temp dir
    .venv/bin/python bench/import.py --quotes 20000 --database-url postgresql://127.0.0.1/postgres

Generates N quotes with bench/gen_data.py (the search benchmark's corpus), then, each
into its own fresh migrated database on the same server:
  1. POSTs the NDJSON file to `onrecord serve` (one gunicorn worker) as one streamed request;
  2. runs `onrecord import FILE` (straight into the database);
  3. the baseline: copies every row the import wrote (quotes, speakers, aliases, roles,
     sources, citations, translations, history), read back with COPY TO, into an empty
     database with the same tables and indexes with COPY FROM, timing only the COPY FROM.
Prints rows/s (input lines per second) for each, the ratio import/COPY, the CPU time the
server and the CLI spent per 1,000 lines (steadier than rows/s on a busy machine), their
peak RSS (VmHWM), and the load average before and after.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import serving  # noqa: E402
from gen_data import write_ndjson  # noqa: E402

from service import embedded, migrations  # noqa: E402
from service.auth.services import create_key  # noqa: E402
from service.db import make_engine  # noqa: E402

ONRECORD = str(Path(sys.executable).parent / "onrecord")
# Every table the import writes, with the columns it sets (generated columns excluded).
TABLES = {
    "speakers": "id, name, kind, wikidata_id, created_at, updated_at, version",
    "speaker_aliases": "id, speaker_id, alias, alias_key, latin_key",
    "speaker_roles": "id, speaker_id, title, organisation, started_on, ended_on",
    "sources": "id, url, identity_key, title, publisher, agency, authors, published_at, lang, kind, "
    "created_at, updated_at, version",
    "quotes": "id, text, text_hash, search_text, lang, kind, speaker_id, speaker_description, speaker_role, "
    "said_on, said_on_precision, context, status, status_note, topics, created_at, updated_at, version",
    "citations": "id, quote_id, source_id, printed_text, attribution, via",
    "translations": "id, quote_id, lang, text, translator, search_text",
    "history": "id, record_type, record_id, action, actor, at, changes",
}


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new migrated database on the server of `admin_url`, dropped afterwards."""
    name = f"onrecord_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin_url).set(database=name).render_as_string(False)
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a running process (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a running process has used (Linux /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def write_key(url: str) -> str:
    """The secret of a new API key with the write scope (imports are writes)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return create_key(session, "bench", "write")[1]
    finally:
        engine.dispose()


def through_api(url: str, path: Path) -> tuple[float, float, float]:
    """Seconds to import the file through `POST /v1/imports`, the server's CPU seconds
    for it, and its peak RSS."""
    os.environ.update(ONRECORD_WORKERS="1", ONRECORD_LOG_LEVEL="warning")
    key = write_key(url)
    with serving(None, url) as base:
        port = base.rsplit(":", 1)[1]
        pgrep = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True)
        pids = [int(pid) for pid in pgrep.stdout.split()]
        cpu = sum(map(cpu_seconds, pids))
        started = time.perf_counter()
        with path.open("rb") as body:
            headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {key}"}
            report = requests.post(base + "/v1/imports", data=body, headers=headers, timeout=None).json()
        elapsed = time.perf_counter() - started
        print("  API report:", {key: report[key] for key in ("created", "matched", "failed")})
        cpu = sum(map(cpu_seconds, pids)) - cpu
        return elapsed, cpu, max(map(peak_rss_mb, pids))


def through_cli(url: str, path: Path) -> tuple[float, float, float]:
    """Seconds to import the file with `onrecord import`, and the CLI's CPU seconds and
    peak RSS: its own (wait4's rusage of that one child; RUSAGE_CHILDREN would also count
    the server that ran before it)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [ONRECORD, "import", str(path)],
        env=os.environ | {"DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with process.stdout:
        output = process.stdout.read().strip().splitlines()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    summary = [line for line in output if " created, " in line] or output[-5:]
    print("  CLI:", *summary, f"(exit status {os.waitstatus_to_exitcode(status)})")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def copy_baseline(imported_url: str, empty_url: str) -> float:
    """Seconds PostgreSQL's COPY FROM takes to load the rows the import wrote, into the
    same tables with the same indexes (the rows are read back beforehand)."""
    dumps = {}
    with psycopg.connect(imported_url) as source:
        for table, columns in TABLES.items():
            buffer = io.BytesIO()
            with source.cursor().copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
    with psycopg.connect(empty_url) as target:
        started = time.perf_counter()
        for table, columns in TABLES.items():
            with target.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(dumps[table])
        target.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quotes", type=int, default=20_000)
    parser.add_argument("--database-url", help="an admin URL of a PostgreSQL server (default: embedded)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = None if args.database_url else embedded.start(Path(tmp) / "pg")
        admin = args.database_url or server.url.replace("/onrecord?", "/postgres?")
        try:
            run(admin, Path(tmp) / "quotes.ndjson", args.quotes)
        finally:
            if server is not None:
                server.stop()


def run(admin: str, path: Path, count: int) -> None:
    print(f"generating {count:,} quotes ...")
    write_ndjson(path, count)
    with (
        fresh_database(admin) as api_url,
        fresh_database(admin) as cli_url,
        fresh_database(admin) as copy_url,
    ):
        measure(path, count, api_url, cli_url, copy_url)


def measure(path: Path, count: int, api_url: str, cli_url: str, copy_url: str) -> None:
    """Import `path` through the API and the CLI, COPY the rows, print the figures."""
    load_before = load_average()
    print("importing through the API ...")
    api_seconds, api_cpu, server_rss = through_api(api_url, path)
    print("importing with the CLI ...")
    cli_seconds, cli_cpu, cli_rss = through_cli(cli_url, path)
    print("COPY of the same rows ...")
    copy_seconds = copy_baseline(cli_url, copy_url)
    print(f"\n{count:,} quotes")
    for label, seconds in (
        ("API import", api_seconds),
        ("CLI import", cli_seconds),
        ("COPY baseline", copy_seconds),
    ):
        ratio = copy_seconds / seconds
        print(f"  {label:14} {count / seconds:10,.0f} rows/s  ({seconds:.1f} s)  ratio to COPY {ratio:.2f}")
    print(f"  CPU per 1,000 lines: server {api_cpu * 1000 / count:.2f} s, CLI {cli_cpu * 1000 / count:.2f} s")
    print(f"  peak RSS: server worker {server_rss:.0f} MB, CLI {cli_rss:.0f} MB")
    print(f"  load average (1, 5, 15 min): {load_before} before, {load_average()} after")


if __name__ == "__main__":
    main()
