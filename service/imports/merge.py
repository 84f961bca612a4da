"""Merging one batch of validated lines into the database, set-based.

A batch is staged with COPY into temporary tables and merged with a few
`INSERT ... SELECT ... ON CONFLICT DO NOTHING` statements: the unique indexes decide
what is new, so a re-run or a concurrent import of the same data adds nothing twice.
Rows are inserted in one fixed order (by their unique keys) so that concurrent imports
wait for each other instead of deadlocking. Every created or changed record gets its
history entry in the same transaction. All SQL lives here; values travel only as
parameters or through COPY.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import orjson
import psycopg
from psycopg import sql

from service.history.services import diff, jsonable
from service.imports.report import CREATED, FAILED, MATCHED, Outcome
from service.imports.speakers import (
    AmbiguousName,
    Directory,
    NewSpeaker,
    distinct_names,
    name_key,
    name_keys,
)
from service.quotes.services import FIELDS as QUOTE_FIELDS
from service.sources.services import FIELDS as SOURCE_FIELDS
from service.sources.services import canonical_url as _canonical_url
from service.sources.services import identity_key
from service.speakers.services import lock_keys, lock_names
from service.text import latin_key as _latin_key
from service.text import search_text, statement_hash

# Pure functions a large import calls again and again with the same few values (a
# source is cited by many lines, a speaker's aliases staged by many batches).
canonical_url = lru_cache(maxsize=100_000)(_canonical_url)
latin_key = lru_cache(maxsize=100_000)(_latin_key)

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_speakers (id bigint, name text, kind text, wikidata_id text);
CREATE TEMP TABLE IF NOT EXISTS import_aliases (
    speaker_id bigint, position int, alias text, alias_key text, latin_key text);
CREATE TEMP TABLE IF NOT EXISTS import_roles (
    speaker_id bigint, title text, organisation text, started_on date, ended_on date);
CREATE TEMP TABLE IF NOT EXISTS import_sources (
    identity_key text, url text, title text, publisher text, agency text, authors text[],
    published_at timestamptz, lang text, kind text);
CREATE TEMP TABLE IF NOT EXISTS import_quotes (
    id bigint, text text, text_hash bytea, search_text text, lang text, kind text,
    speaker_id bigint, speaker_description text, speaker_role text, said_on date,
    said_on_precision text, context text, status text, status_note text, topics text[],
    stored_id bigint);
CREATE TEMP TABLE IF NOT EXISTS import_citations (
    quote_id bigint, source_id bigint, source_key text, printed_text text, attribution text, via text);
CREATE TEMP TABLE IF NOT EXISTS import_translations (
    quote_id bigint, lang text, text text, translator text, search_text text);
TRUNCATE import_speakers, import_aliases, import_roles, import_sources, import_quotes,
    import_citations, import_translations;
"""
QUOTE_COLUMNS = ("id", "text_hash", "search_text", *QUOTE_FIELDS)  # topics last
# A quote as its history entries show it (as `service.quotes.services._history_view`).
QUOTE_VIEW = """json_build_object(
    'text', q.text, 'lang', q.lang, 'kind', q.kind, 'speaker_id', q.speaker_id,
    'speaker_description', q.speaker_description, 'speaker_role', q.speaker_role,
    'said_on', q.said_on, 'said_on_precision', q.said_on_precision, 'context', q.context,
    'status', q.status, 'status_note', q.status_note, 'topics', q.topics,
    'citations', ARRAY(SELECT c.source_id FROM citations c WHERE c.quote_id = q.id ORDER BY c.id),
    'translations', ARRAY(
        SELECT json_build_object('lang', t.lang, 'text', t.text, 'translator', t.translator)
        FROM translations t WHERE t.quote_id = q.id ORDER BY t.id))"""

# Lists travel as binary parameters (%b): psycopg quotes a text array's elements one by
# one in Python (7.5 ms for a batch's 3,000 name keys; 1.5 ms in binary).
EXISTING = "SELECT id FROM {table} WHERE id = ANY(%b)"
NEW_IDS = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
SPEAKERS_BY_KEY = """
SELECT alias_key, array_agg(DISTINCT speaker_id) FROM speaker_aliases
WHERE alias_key = ANY(%b) GROUP BY alias_key"""
SPEAKERS_BY_WIKIDATA_ID = "SELECT wikidata_id, id FROM speakers WHERE wikidata_id = ANY(%b)"
SPEAKER_NAMES = """
SELECT s.id, s.name, ARRAY(SELECT a.alias FROM speaker_aliases a WHERE a.speaker_id = s.id ORDER BY a.id)
FROM speakers s WHERE s.id = ANY(%b)"""
INSERT_SPEAKERS = """
INSERT INTO speakers (id, name, kind, wikidata_id, version)
SELECT id, name, kind, wikidata_id, 1 FROM import_speakers ORDER BY id"""
INSERT_ALIASES = """
INSERT INTO speaker_aliases (speaker_id, alias, alias_key, latin_key)
SELECT speaker_id, alias, alias_key, latin_key FROM import_aliases ORDER BY speaker_id, position
ON CONFLICT DO NOTHING"""
INSERT_ROLES = """
INSERT INTO speaker_roles (speaker_id, title, organisation, started_on, ended_on)
SELECT speaker_id, title, organisation, started_on, ended_on FROM import_roles"""
MARK_CHANGED = "UPDATE {table} SET updated_at = now(), version = version + 1 WHERE id = ANY(%b)"
INSERT_SOURCES = """
INSERT INTO sources (url, identity_key, title, publisher, agency, authors, published_at, lang, kind, version)
SELECT url, identity_key, title, publisher, agency, authors, published_at, lang, kind, 1
FROM import_sources ORDER BY identity_key
ON CONFLICT DO NOTHING
RETURNING id, url, title, publisher, agency, authors, published_at, lang, kind"""
INSERT_QUOTES = f"""
INSERT INTO quotes ({", ".join(QUOTE_COLUMNS)}, version)
SELECT {", ".join(QUOTE_COLUMNS)}, 1 FROM import_quotes
ORDER BY speaker_id, lower(speaker_description), text_hash
ON CONFLICT DO NOTHING
RETURNING id"""
# Each staged statement's quote on record (just created, or there before), one index
# look-up per row: a join would hash the whole quotes table for every batch.
FIND_STATEMENTS = """
UPDATE import_quotes i SET stored_id = CASE WHEN i.speaker_id IS NULL
    THEN (SELECT q.id FROM quotes q WHERE q.speaker_id IS NULL
          AND lower(q.speaker_description) = lower(i.speaker_description) AND q.text_hash = i.text_hash)
    ELSE (SELECT q.id FROM quotes q WHERE q.speaker_id = i.speaker_id AND q.text_hash = i.text_hash) END
RETURNING i.id, i.stored_id"""
QUOTE_VIEWS = f"SELECT q.id, {QUOTE_VIEW} FROM quotes q WHERE q.id = ANY(%b)"
# Imports changing the same quotes take their row locks in one order, so they wait
# for each other instead of deadlocking (seen with 3 imports on 20,000 shared quotes).
LOCK_QUOTES = "SELECT 1 FROM quotes WHERE id = ANY(%b) ORDER BY id FOR NO KEY UPDATE"
# A source by its identity key, one index look-up per citation (as FIND_STATEMENTS).
INSERT_CITATIONS = """
INSERT INTO citations (quote_id, source_id, printed_text, attribution, via)
SELECT q.stored_id,
    coalesce(c.source_id, (SELECT s.id FROM sources s WHERE s.identity_key = c.source_key)),
    c.printed_text, c.attribution, c.via
FROM import_citations c
JOIN import_quotes q ON q.id = c.quote_id
ORDER BY 1, 2
ON CONFLICT DO NOTHING"""
INSERT_TRANSLATIONS = """
INSERT INTO translations (quote_id, lang, text, translator, search_text)
SELECT q.stored_id, t.lang, t.text, t.translator, t.search_text
FROM import_translations t JOIN import_quotes q ON q.id = t.quote_id
ORDER BY 1, 2
ON CONFLICT DO NOTHING"""
ADD_TOPICS = """
UPDATE quotes q
SET topics = q.topics || ARRAY(
    SELECT t FROM unnest(i.topics) WITH ORDINALITY AS u(t, n) WHERE t <> ALL(q.topics) ORDER BY n)
FROM import_quotes i
WHERE q.id = i.stored_id AND i.stored_id <> i.id AND NOT i.topics <@ q.topics"""
HISTORY_OF_CREATED_QUOTES = f"""
INSERT INTO history (record_type, record_id, action, actor, changes)
SELECT 'quote', q.id, 'create', %s, ({QUOTE_VIEW})::jsonb FROM quotes q WHERE q.id = ANY(%b) ORDER BY q.id"""


@dataclass(frozen=True)
class Line:
    """One validated line: its number and its `QuoteInSchema` data."""

    number: int
    data: dict


class Citation(NamedTuple):
    """A citation as staged: its source by id, or by identity key with the source's data."""

    source_id: int | None
    source_key: str | None
    printed_text: str | None
    attribution: str | None
    via: str | None
    source: dict | None


@dataclass
class Statement:
    """One statement of the batch: the first line naming it gives its fields; every
    line naming it adds its citations, translations and topics."""

    id: int
    fields: dict
    lines: list[int]
    topics: list[str]
    citations: dict[object, Citation] = field(default_factory=dict)  # by source id or key
    translations: dict = field(default_factory=dict)  # (lang, text) -> translation row
    stored_id: int | None = None


def merge_batch(conn: psycopg.Connection, lines: list[Line], actor: str | None) -> list[Outcome]:
    """Write a batch in the connection's transaction; one outcome per line."""
    with conn.cursor() as cursor:
        cursor.execute(STAGING)
        merge = _Merge(cursor, actor)
        merge.check_references(lines)
        speakers = merge.resolve_speakers([line for line in lines if line.number not in merge.failed])
        statements = _statements([line for line in lines if line.number not in merge.failed], speakers)
        created = merge.quotes(statements)
        merge.write_history()
    return merge.outcomes(statements, created)


class _Merge:
    """The steps of one batch, and what they found out (failed lines, history entries)."""

    def __init__(self, cursor: psycopg.Cursor, actor: str | None):
        self.cursor = cursor
        self.actor = actor
        self.failed: dict[int, dict] = {}
        self.history: list[tuple] = []

    def check_references(self, lines: list[Line]) -> None:
        """Fail the lines naming a speaker or a source by an id that is not on record."""
        for table, name in (("speakers", "speaker_id"), ("sources", "source_id")):
            wanted = {line.number: _ids_named(line.data, name) for line in lines}
            found = self._existing(table, set().union(*wanted.values()))
            for number, ids in wanted.items():
                if missing := sorted(ids - found):
                    label = table[:-1]
                    self.failed[number] = {name: [f"No {label} with id {i}." for i in missing]}

    def _existing(self, table: str, ids: set[int]) -> set[int]:
        if not ids:
            return set()
        query = sql.SQL(EXISTING).format(table=sql.Identifier(table))
        return {row[0] for row in self.cursor.execute(query, (list(ids),))}

    def resolve_speakers(self, lines: list[Line]) -> dict[int, int]:
        """The speaker id of every line naming a `speaker` object, creating the new ones."""
        named = [(line, line.data["speaker"]) for line in lines if "speaker" in line.data]
        if not named:
            return {}
        directory, resolved = self._resolve(named)
        if directory.new:
            new = [spec for line, spec in named if isinstance(resolved.get(line.number), NewSpeaker)]
            lock_names(self.cursor.execute, set().union(*map(lock_keys, new)))
            directory, resolved = self._resolve(named)
        self._create_speakers(directory.new)
        self._add_aliases(directory.named)
        return {number: s.id if isinstance(s, NewSpeaker) else s for number, s in resolved.items()}

    def _resolve(self, named: list[tuple[Line, dict]]) -> tuple[Directory, dict]:
        keys_of = {line.number: frozenset(name_keys(spec)) for line, spec in named}
        keys = set().union(*keys_of.values())
        wikidata_ids = {spec["wikidata_id"] for _, spec in named if spec.get("wikidata_id")}
        by_key = dict(self.cursor.execute(SPEAKERS_BY_KEY, (list(keys),)).fetchall())
        by_wikidata_id = (
            dict(self.cursor.execute(SPEAKERS_BY_WIKIDATA_ID, (list(wikidata_ids),)).fetchall())
            if wikidata_ids
            else {}
        )
        directory, resolved = Directory(by_key, by_wikidata_id), {}
        for line, spec in named:
            try:
                resolved[line.number] = directory.resolve(spec, keys_of[line.number])
            except AmbiguousName as error:
                self.failed[line.number] = {"speaker": [str(error)]}
        return directory, resolved

    def _create_speakers(self, speakers: list[NewSpeaker]) -> None:
        if not speakers:
            return
        for speaker, new_id in zip(speakers, self._new_ids("speakers", len(speakers)), strict=True):
            speaker.id = new_id
        self._copy(
            "import_speakers",
            ("id", "name", "kind", "wikidata_id"),
            ((s.id, s.name, s.kind, s.wikidata_id) for s in speakers),
        )
        self._copy_aliases({s.id: s.aliases for s in speakers})
        roles = (
            (s.id, r["title"], r.get("organisation"), r.get("started_on"), r.get("ended_on"))
            for s in speakers
            for r in s.roles
        )
        self._copy("import_roles", ("speaker_id", "title", "organisation", "started_on", "ended_on"), roles)
        self.cursor.execute(f"{INSERT_SPEAKERS}; {INSERT_ALIASES}; {INSERT_ROLES}")  # one round trip
        self.history += [("speaker", s.id, "create", s.history_view()) for s in speakers]

    def _add_aliases(self, named: dict[int, list[str]]) -> None:
        """Give speakers on record the spellings the batch used that they lacked."""
        added, changes = {}, {}
        for speaker_id, name, aliases in self.cursor.execute(SPEAKER_NAMES, (list(named),)).fetchall():
            new = [n for n in distinct_names(named[speaker_id]) if n not in {name, *aliases}]
            if new:
                before = [a for a in aliases if a != name]
                added[speaker_id] = new
                changes[speaker_id] = {"aliases": {"before": before, "after": before + new}}
        if added:
            self._copy_aliases(added)
            self.cursor.execute(INSERT_ALIASES)
            self._mark_changed("speakers", list(added))
            self.history += [("speaker", i, "update", change) for i, change in changes.items()]

    def _copy_aliases(self, aliases: dict[int, list[str]]) -> None:
        self.cursor.execute("TRUNCATE import_aliases")
        rows = (
            (speaker_id, position, alias, name_key(alias), latin_key(alias))
            for speaker_id, names in aliases.items()
            for position, alias in enumerate(names)
        )
        self._copy("import_aliases", ("speaker_id", "position", "alias", "alias_key", "latin_key"), rows)

    def quotes(self, statements: list[Statement]) -> set[int]:
        """Insert the new statements and add citations, translations and topics to the
        ones on record; returns the ids of the quotes created."""
        if not statements:
            return set()
        for statement, new_id in zip(statements, self._new_ids("quotes", len(statements)), strict=True):
            statement.id = new_id
        self._stage_statements(statements)
        self._merge_sources()
        created = {row[0] for row in self.cursor.execute(INSERT_QUOTES)}
        stored = {i: found for i, found in self.cursor.execute(FIND_STATEMENTS) if found is not None}
        for statement in statements:
            statement.stored_id = stored[statement.id]
        matched = sorted({s.stored_id for s in statements} - created)
        if matched:
            self.cursor.execute(LOCK_QUOTES, (matched,))
        before = self._views(matched)
        self.cursor.execute(f"{INSERT_CITATIONS}; {INSERT_TRANSLATIONS}; {ADD_TOPICS}")  # one round trip
        self._record_changes(before, self._views(matched))
        self.cursor.execute(HISTORY_OF_CREATED_QUOTES, (self.actor, sorted(created)))
        return created

    def _stage_statements(self, statements: list[Statement]) -> None:
        own_fields = QUOTE_COLUMNS[1:-1]
        quotes = ((s.id, *(s.fields[name] for name in own_fields), s.topics) for s in statements)
        self._copy("import_quotes", QUOTE_COLUMNS, quotes)
        citations = ((s.id, *c[:-1]) for s in statements for c in s.citations.values())
        columns = ("quote_id", "source_id", "source_key", "printed_text", "attribution", "via")
        self._copy("import_citations", columns, citations)
        translations = ((s.id, *row) for s in statements for row in s.translations.values())
        self._copy(
            "import_translations", ("quote_id", "lang", "text", "translator", "search_text"), translations
        )
        sources: dict[str, dict] = {}  # a source cited again in the batch is the first citation's
        for citation in (c for s in statements for c in s.citations.values() if c.source_key):
            sources.setdefault(citation.source_key, citation.source)
        rows = ((key, *(source.get(name) for name in SOURCE_FIELDS)) for key, source in sources.items())
        self._copy("import_sources", ("identity_key", *SOURCE_FIELDS), rows)

    def _merge_sources(self) -> None:
        for source_id, *values in self.cursor.execute(INSERT_SOURCES).fetchall():
            view = {name: jsonable(value) for name, value in zip(SOURCE_FIELDS, values, strict=True)}
            self.history.append(("source", source_id, "create", view))

    def _views(self, quote_ids: list[int]) -> dict[int, dict]:
        return dict(self.cursor.execute(QUOTE_VIEWS, (quote_ids,)).fetchall()) if quote_ids else {}

    def _record_changes(self, before: dict[int, dict], after: dict[int, dict]) -> None:
        changes = {i: change for i, view in after.items() if (change := diff(before[i], view))}
        if changes:
            self._mark_changed("quotes", list(changes))
            self.history += [("quote", i, "update", change) for i, change in changes.items()]

    def _mark_changed(self, table: str, ids: list[int]) -> None:
        self.cursor.execute(sql.SQL(MARK_CHANGED).format(table=sql.Identifier(table)), (ids,))

    def write_history(self) -> None:
        """One history entry per created or changed speaker, source and quote (views as JSON)."""
        rows = (
            (kind, i, action, self.actor, orjson.dumps(view).decode())
            for kind, i, action, view in self.history
        )
        self._copy("history", ("record_type", "record_id", "action", "actor", "changes"), rows)

    def _new_ids(self, table: str, count: int) -> list[int]:
        return [row[0] for row in self.cursor.execute(NEW_IDS, (table, count))]

    def _copy(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
            table=sql.Identifier(table), columns=sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def outcomes(self, statements: list[Statement], created: set[int]) -> list[Outcome]:
        """created for the first line of a new statement, matched for every other line."""
        outcomes = [Outcome(number, FAILED, errors=errors) for number, errors in self.failed.items()]
        for statement in statements:
            first_status = CREATED if statement.stored_id in created else MATCHED
            outcomes.append(Outcome(statement.lines[0], first_status, statement.stored_id))
            outcomes += [Outcome(number, MATCHED, statement.stored_id) for number in statement.lines[1:]]
        return sorted(outcomes, key=lambda outcome: outcome.line)


def _ids_named(data: dict, name: str) -> set[int]:
    if name == "speaker_id":
        return {data["speaker_id"]} if "speaker_id" in data else set()
    return {c["source_id"] for c in data["citations"] if "source_id" in c}


def _statements(lines: list[Line], speakers: dict[int, int]) -> list[Statement]:
    """The batch's lines grouped by statement (same speaker, same normalised text)."""
    statements: dict[tuple, Statement] = {}
    for line in lines:
        data = line.data
        speaker_id = data.get("speaker_id") or speakers.get(line.number)
        description = None if speaker_id else data["speaker_description"]
        text_hash = statement_hash(data["text"])
        key = (speaker_id, description and description.lower(), text_hash)
        statement = statements.get(key)
        if statement is None:
            fields = _quote_fields(data, speaker_id, description, text_hash)
            statement = statements[key] = Statement(0, fields, [], [])
        statement.lines.append(line.number)
        statement.topics += [t for t in data.get("topics", []) if t not in statement.topics]
        for citation in map(_citation, data["citations"]):
            statement.citations.setdefault(citation.source_id or citation.source_key, citation)
        for t in data["translations"]:
            row = (t["lang"], t["text"], t.get("translator"), search_text(t["text"], t["lang"]))
            statement.translations.setdefault((t["lang"], t["text"]), row)
    return list(statements.values())


def _quote_fields(data: dict, speaker_id: int | None, description: str | None, text_hash: bytes) -> dict:
    """The quote's own columns (all of `QUOTE_COLUMNS` but `id` and `topics`)."""
    return {
        "text": data["text"],
        "text_hash": text_hash,
        "search_text": search_text(data["text"], data["lang"]),
        "lang": data["lang"],
        "kind": data["kind"],
        "speaker_id": speaker_id,
        "speaker_description": description,
        "speaker_role": data.get("speaker_role"),
        "said_on": data.get("said_on"),
        "said_on_precision": data.get("said_on_precision"),
        "context": data.get("context"),
        "status": data.get("status") or "unverified",
        "status_note": data.get("status_note"),
    }


def _citation(data: dict) -> Citation:
    """A citation naming its source by id, or by the identity key of its canonical data."""
    details = (data.get("printed_text"), data.get("attribution"), data.get("via"))
    if "source_id" in data:
        return Citation(data["source_id"], None, *details, None)
    source = dict(data["source"])
    if source.get("url"):
        source["url"] = canonical_url(source["url"])
    return Citation(None, identity_key(source), *details, source)
