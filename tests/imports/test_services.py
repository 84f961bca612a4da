"""What an import does when the database gets in its way."""

import json
import subprocess
import time

import psycopg

from service.text import name_key
from tests.test_cli import ONRECORD, environment

LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
WAITING = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"


def test_a_batch_chosen_as_a_deadlock_victim_is_merged_again(fresh_database, tmp_path):
    """A transaction holds one of the names the import locks for a new speaker, then asks
    for the other, which the import holds: PostgreSQL breaks the deadlock by failing the
    import's batch; the import rolls its savepoint back and merges the batch again."""
    speaker = {"name": "Deadlock Dmitriev", "aliases": ["D. Dmitriev"]}
    line = {
        "text": "Locks go in order.",
        "lang": "en",
        "kind": "direct",
        "speaker": speaker,
        "source": {"title": "T"},
    }
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps(line) + "\n")
    url = fresh_database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as other, psycopg.connect(url, autocommit=True) as watcher:
        first, second = [
            key
            for (key,) in other.execute(
                "SELECT k FROM unnest(%s::text[]) AS k ORDER BY hashtextextended(k, 0)",
                ([name_key(n) for n in (speaker["name"], *speaker["aliases"])],),
            )
        ]
        other.execute("SET deadlock_timeout = '60s'")  # so that the import is the victim
        other.execute(LOCK, (second,))
        importer = subprocess.Popen(
            [ONRECORD, "import", str(path)],
            env=environment(DATABASE_URL=fresh_database),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while watcher.execute(WAITING).fetchone()[0] == 0:  # it holds `first`, waits for `second`
            assert time.monotonic() < deadline and importer.poll() is None, importer.stdout.read()
            time.sleep(0.05)
        other.execute(LOCK, (first,))  # the cycle: PostgreSQL fails the import's side
        other.commit()
        output, _ = importer.communicate(timeout=60)
    assert importer.returncode == 0, output
    assert "1 created, 0 matched, 0 failed" in output
    assert "deadlock detected" in output and "merging again" in output
