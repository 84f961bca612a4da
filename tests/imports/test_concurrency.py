"""Imports running at once on overlapping files create no duplicates.

Three real `onrecord import` processes write the same statements, speakers (new ones,
named the same way), sources, citations and translations into one database at the same
instant; the database decides what is new (unique indexes; advisory locks on the names
of speakers being created, which have no unique key). The union must be there exactly
once, with one history entry per created record.
"""

import json
import re
import subprocess
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.test_cli import ONRECORD, environment

STATEMENTS = 4000
SOURCES = 400
BATCH = 50
# The statements each file holds, in its order: `a` and `b` march forward side by side
# (every batch of theirs names the same new speakers and statements at the same time),
# `c` comes backward over every other statement and meets them in the middle.
FILES = {
    "a": list(range(0, 3000)),
    "b": list(range(0, STATEMENTS)),
    "c": list(range(STATEMENTS - 1, -1, -2)),
}
REPORT = re.compile(r": (\d+) created, (\d+) matched, (\d+) failed")


def source(i: int) -> dict:
    """Source `i` of the shared pool: by URL, or (every tenth) by title, publisher and date."""
    if i % 10 == 0:
        return {"title": f"Bulletin {i}", "publisher": "Example Wire", "published_at": "2019-04-25T08:00:00Z"}
    return {"url": f"https://example.org/story/{i}", "title": f"Story {i}", "publisher": "Example"}


def source_key(i: int) -> str:
    """What tells stored sources apart here: the URL, else the title."""
    return source(i).get("url") or source(i)["title"]


def cited(n: int, file: str) -> int:
    """The source a file cites statement `n` from (`b` mostly another one than `a` and `c`)."""
    return (7 * n) % SOURCES if file == "b" else n % SOURCES


def topics(n: int, file: str) -> list[str]:
    return {"a": ["harvest"], "b": ["harvest", f"region-{n % 5}"], "c": ["agriculture"]}[file]


def translated(n: int, file: str) -> bool:
    return file in ("b", "c") and n % 4 == 1


def speaker_of(n: int) -> int | None:
    """Speaker `n // 20` (a new one every 20 statements), or None: an unnamed official."""
    return None if n % 10 == 9 else n // 20


def wikidata_id(k: int) -> str | None:
    """Every tenth speaker has a Wikidata id (unique in the database); the first batches'
    speakers have none: only the lock on their names keeps them from being created twice."""
    return f"Q{9000 + k}" if k % 10 == 5 else None


def line(n: int, file: str) -> dict:
    """Statement `n` as file `file` words it. Every file names speaker k `Speaker k` and
    adds an alias of its own; `c` writes the text in capitals with doubled spaces (the
    same statement once normalised); `b` spells the unnamed speaker in capitals."""
    text = f"Statement {n}: the harvest was {'good' if n % 2 else 'poor'} this year."
    body = {
        "text": text.upper().replace(" ", "  ") if file == "c" else text,
        "lang": "en",
        "kind": "direct",
        "said_on": f"2019-04-{n % 28 + 1:02d}",
        "topics": topics(n, file),
        "citations": [{"source": source(cited(n, file))}],
    }
    k = speaker_of(n)
    if k is None:
        body["speaker_description"] = "AN UNNAMED OFFICIAL" if file == "b" else "an unnamed official"
    else:
        body["speaker"] = {"name": f"Speaker {k}", "aliases": [f"{file.upper()}. Speaker {k}"]}
        if wikidata_id(k):
            body["speaker"]["wikidata_id"] = wikidata_id(k)
    if translated(n, file):
        body["translations"] = [{"lang": "ru", "text": f"Заявление {n}."}]
    return body


@dataclass
class Expected:
    """The distinct union of the files."""

    statements: set[int] = field(default_factory=set)
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sources: set[str] = field(default_factory=set)
    citations: set[tuple[int, str]] = field(default_factory=set)
    topics: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    translations: set[int] = field(default_factory=set)


def expected_union() -> Expected:
    expected = Expected()
    for file, numbers in FILES.items():
        for n in numbers:
            body = line(n, file)
            expected.statements.add(n)
            if "speaker" in body:
                expected.aliases[body["speaker"]["name"]] |= {
                    body["speaker"]["name"],
                    *body["speaker"]["aliases"],
                }
            key = source_key(cited(n, file))
            expected.sources.add(key)
            expected.citations.add((n, key))
            expected.topics[n] |= set(body["topics"])
            if translated(n, file):
                expected.translations.add(n)
    return expected


def only_in(file: str) -> int:
    """How many of the file's statements no other file holds."""
    others = set().union(*(set(numbers) for name, numbers in FILES.items() if name != file))
    return len(set(FILES[file]) - others)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def start_together(url: str, commands: dict[str, list[str]], processes: dict) -> None:
    """Start every command behind a closed gate, wait until each one is inside its first
    batch, blocked there, then open the gate so that they all write at the same instant.
    The gate is an exclusive lock on speaker_aliases, which a batch reads first."""
    waiting = """SELECT count(DISTINCT pid) FROM pg_locks
                 WHERE relation = 'speaker_aliases'::regclass AND NOT granted"""
    with psycopg.connect(url) as gate, psycopg.connect(url, autocommit=True) as watch:
        gate.execute("LOCK TABLE speaker_aliases IN ACCESS EXCLUSIVE MODE")
        for name, command in commands.items():
            processes[name] = subprocess.Popen(
                command,
                env=environment(DATABASE_URL=url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        deadline = time.monotonic() + 60
        while watch.execute(waiting).fetchone()[0] < len(commands):
            for name, process in processes.items():
                if process.poll() is not None:
                    pytest.fail(f"import of {name} ended before the gate opened:\n{process.communicate()}")
            assert time.monotonic() < deadline, "the imports did not all reach their first batch"
            time.sleep(0.02)
        gate.rollback()


def test_concurrent_imports_of_overlapping_files_create_no_duplicates(fresh_database, tmp_path):
    url = libpq_url(fresh_database)
    commands = {}
    for file, numbers in FILES.items():
        path = tmp_path / f"{file}.ndjson"
        with path.open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(line(n, file), ensure_ascii=False) + "\n" for n in numbers)
        commands[file] = [ONRECORD, "import", str(path), "--batch-size", str(BATCH)]
    processes: dict[str, subprocess.Popen] = {}
    try:
        start_together(url, commands, processes)
        outputs = {file: process.communicate(timeout=120) for file, process in processes.items()}
    finally:
        for process in processes.values():
            process.kill()
            process.wait()

    created = {}
    for file, (stdout, stderr) in outputs.items():
        assert processes[file].returncode == 0, f"import of {file} failed:\n{stdout}\n{stderr}"
        counts = REPORT.search(stdout)
        assert counts, stdout
        new, matched, failed = map(int, counts.groups())
        assert (new + matched, failed) == (len(FILES[file]), 0), stdout
        created[file] = new
    # Both ends created statements another file holds too: they met in the middle.
    assert sum(created[file] > only_in(file) for file in FILES) >= 2, created
    expected = expected_union()
    assert sum(created.values()) == len(expected.statements) == STATEMENTS
    with psycopg.connect(url) as conn:
        assert_database_holds(conn, expected)


def assert_database_holds(conn: psycopg.Connection, expected: Expected) -> None:
    def rows(query: str) -> list[tuple]:
        return conn.execute(query).fetchall()

    # Each statement once, by its speaker (or unnamed official), whatever its wording.
    quotes = rows("""
        SELECT q.id, q.text, s.name, q.speaker_description, q.topics FROM quotes q
        LEFT JOIN speakers s ON s.id = q.speaker_id""")
    number = {
        quote_id: int(re.match(r"statement\s+(\d+):", text.lower()).group(1)) for quote_id, text, *_ in quotes
    }
    assert Counter(number.values()) == Counter(expected.statements)
    for quote_id, _, speaker, description, quote_topics in quotes:
        n = number[quote_id]
        if speaker_of(n) is None:
            assert speaker is None and description.lower() == "an unnamed official", n
        else:
            assert speaker == f"Speaker {speaker_of(n)}", n
        assert sorted(quote_topics) == sorted(expected.topics[n]), n

    # Each speaker once, with every spelling any file gave it.
    speakers = rows("""
        SELECT s.name, s.wikidata_id, array_agg(a.alias) FROM speakers s
        JOIN speaker_aliases a ON a.speaker_id = s.id GROUP BY s.id""")
    assert Counter(name for name, *_ in speakers) == Counter(set(expected.aliases))
    for name, wikidata, aliases in speakers:
        assert Counter(aliases) == Counter(expected.aliases[name]), name
        k = int(name.rsplit(" ", 1)[1])
        assert wikidata == wikidata_id(k), name

    # Each source once; each (statement, source) citation once; each translation once.
    sources = rows("SELECT coalesce(url, title) FROM sources")
    assert Counter(key for (key,) in sources) == Counter(expected.sources)
    citations = rows("""
        SELECT c.quote_id, coalesce(s.url, s.title) FROM citations c JOIN sources s ON s.id = c.source_id""")
    assert Counter((number[quote_id], key) for quote_id, key in citations) == Counter(expected.citations)
    translations = rows("SELECT quote_id FROM translations")
    assert Counter(number[quote_id] for (quote_id,) in translations) == Counter(expected.translations)

    # Every record was created once, and has exactly one history entry saying so.
    for table, record_type in (("quotes", "quote"), ("speakers", "speaker"), ("sources", "source")):
        entries = rows(f"""
            SELECT t.id, count(h.id) FROM {table} t
            LEFT JOIN history h
              ON h.record_type = '{record_type}' AND h.record_id = t.id AND h.action = 'create'
            GROUP BY t.id""")
        assert {count for _, count in entries} == {1}, table
