"""The indexer: the one writer of an instance's search index.

It builds the index from PostgreSQL when there is none (or it cannot be trusted), then
follows the change feed: woken by the triggers' NOTIFY (or every POLL_SECONDS), it
re-indexes each changed quote from its current row and commits, then records its
position beside the index. A change committed in PostgreSQL is searchable after one
pass plus the workers' next look at `position.json` (figures: docs/scaling.md).
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import tantivy
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from service.search import documents, feed
from service.search.index import (
    BUILD_HEAP_BYTES,
    IndexUnavailable,
    Position,
    current_path,
    new_generation,
    open_index,
    read_position,
    remove_others,
    switch_to,
    write_position,
    writer,
)

BUILD_PAGE = 5000
LSN_SQL = text("SELECT pg_current_wal_insert_lsn()::text")
ALL_IDS_SQL = text("SELECT id FROM quotes WHERE id > :after ORDER BY id LIMIT :limit")
COUNT_SQL = text("SELECT count(*) FROM quotes")

log = logging.getLogger(__name__)


def _lsn(connection: Connection) -> str:
    """The WAL position now, read in a transaction of its own *before* the snapshot that
    follows: everything committed before it is visible in that snapshot."""
    lsn = connection.execute(LSN_SQL).scalar_one()
    connection.rollback()
    return lsn


def _snapshot(engine: Engine) -> Connection:
    return engine.connect().execution_options(isolation_level="REPEATABLE READ")


def build(engine: Engine, index_dir: Path, progress=None) -> Path:
    """Build a new generation of the index from every quote, beside the current one,
    and switch to it; its path. `progress(count)` is called as quotes are added."""
    generation, index = new_generation(index_dir)
    index_writer = writer(index, BUILD_HEAP_BYTES)
    with _snapshot(engine) as connection:
        lsn = _lsn(connection)
        horizon = feed.snapshot_xmin(connection)
        change = feed.last_change(connection)
        after = 0
        while ids := connection.execute(ALL_IDS_SQL, {"after": after, "limit": BUILD_PAGE}).scalars().all():
            for document in documents.load_documents(connection, ids):
                index_writer.add_document(document)
            after = ids[-1]
            if progress is not None:
                progress(len(ids))
    index_writer.commit()
    index_writer.wait_merging_threads()
    write_position(generation, Position(documents.FORMAT, horizon, lsn, change))
    switch_to(index_dir, generation)
    return generation


def count_quotes(engine: Engine) -> int:
    """How many quotes a build indexes (for its progress bar)."""
    with engine.connect() as connection:
        return connection.execute(COUNT_SQL).scalar_one()


def problem(engine: Engine, index_dir: Path) -> str | None:
    """Why the current index cannot be followed as it is (so must be rebuilt), or None."""
    generation = current_path(index_dir)
    position = read_position(generation)
    if position is None:
        return "there is no search index yet"
    if position.format != documents.FORMAT:
        return f"the search index has format {position.format}, not {documents.FORMAT}"
    try:
        open_index(generation).searcher()
    except (IndexUnavailable, ValueError) as error:
        return str(error)
    with engine.connect() as connection:
        return feed.mismatch(connection, position.horizon, position.last_change)


@dataclass
class _Open:
    generation: Path
    index: tantivy.Index
    writer: tantivy.IndexWriter
    cursor: feed.Cursor
    lsn: str


class Indexer:
    """Keeps the index in `index_dir` in step with the database behind `engine`."""

    def __init__(self, engine: Engine, index_dir: Path):
        self.engine = engine
        self.index_dir = index_dir
        self._open: _Open | None = None

    @property
    def started(self) -> bool:
        """Is an index open for writing?"""
        return self._open is not None

    def start(self) -> None:
        """Open the current index, rebuilding it first if it cannot be trusted."""
        reason = problem(self.engine, self.index_dir)
        if reason is not None:
            log.warning("building the search index: %s", reason)
            began = time.monotonic()
            build(self.engine, self.index_dir)
            log.warning("search index built in %.1f s", time.monotonic() - began)
        self._adopt(current_path(self.index_dir))

    def _adopt(self, generation: Path) -> None:
        """Write to `generation` from its recorded position (after a start or a reindex)."""
        self.close()
        position = read_position(generation)
        index = open_index(generation)
        remove_others(self.index_dir, generation)
        self._open = _Open(
            generation,
            index,
            writer(index),
            feed.Cursor(position.horizon, last_change=position.last_change),
            position.lsn,
        )

    def catch_up(self) -> int:
        """One pass over the feed: re-index every quote changed since the last one,
        commit, record the position. The number of quotes re-indexed."""
        if current_path(self.index_dir) != self._open.generation:  # `onrecord reindex` switched
            self._adopt(current_path(self.index_dir))
        if not self._open.generation.exists():
            raise IndexUnavailable("the search index was deleted")
        state, applied, count = self._open, [], 0
        with _snapshot(self.engine) as connection:
            lsn = _lsn(connection)
            horizon = feed.snapshot_xmin(connection)
            for page in feed.pending_pages(connection, state.cursor):
                count += self._reindex(connection, feed.quote_ids(connection, page))
                applied.extend(page)
        if applied:
            state.writer.commit()
        if applied or horizon != state.cursor.horizon or lsn != state.lsn:
            state.cursor.advance(applied, horizon)
            state.lsn = lsn
            write_position(
                state.generation,
                Position(documents.FORMAT, state.cursor.horizon, lsn, state.cursor.last_change),
            )
        return count

    def refresh(self, connection: Connection, quote_ids: set[int]) -> None:
        """Re-index these quotes as `connection` sees them now, and commit."""
        if self._reindex(connection, quote_ids):
            self._open.writer.commit()
            position = read_position(self._open.generation)
            write_position(self._open.generation, position)  # readers look at its time

    def _reindex(self, connection: Connection, quote_ids: set[int]) -> int:
        """Replace the documents of these quotes with their current rows (none for a
        quote that is gone): applying a change twice gives the same index."""
        if not quote_ids:
            return 0
        index_writer = self._open.writer
        # (delete_documents_by_term takes a Python int for an i64: it would match nothing)
        index_writer.delete_documents_by_query(
            tantivy.Query.term_set_query(self._open.index.schema, "id", list(quote_ids))
        )
        for document in documents.load_documents(connection, quote_ids):
            index_writer.add_document(document)
        return len(quote_ids)

    def close(self) -> None:
        """Drop the writer (what is not committed is not in the index)."""
        state, self._open = self._open, None
        if state is not None:
            try:
                state.writer.rollback()
            except ValueError as error:  # its directory is gone
                log.warning("search index writer: %s", error)


POLL_SECONDS = 1.0
RETRY_SECONDS = 1.0
PRUNE_EVERY = 3600.0


def follow(engine: Engine, index_dir: Path, stopping) -> None:
    """Run the indexer until `stopping()` is true: build the index if need be, then apply
    the feed as NOTIFY wakes it (or every POLL_SECONDS). Database outages are waited out."""
    indexer = Indexer(engine, index_dir)
    pruned = time.monotonic()
    while not stopping():
        try:
            if not indexer.started:
                indexer.start()
            with _listener(engine) as listener:
                while not stopping():
                    indexer.catch_up()
                    if time.monotonic() - pruned > PRUNE_EVERY:
                        _prune(engine)
                        pruned = time.monotonic()
                    _wait(listener)
        except (SQLAlchemyError, psycopg.Error, OSError, ValueError, IndexUnavailable) as error:
            # The database away, or the index changed under it: start again from the
            # index's recorded position (after checking it can still be trusted).
            log.warning("search indexer: %s; retrying in %.0f s", error, RETRY_SECONDS)
            indexer.close()
            time.sleep(RETRY_SECONDS)
    indexer.close()


def _listener(engine: Engine) -> psycopg.Connection:
    """A connection listening to the feed's channel."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(url, autocommit=True, connect_timeout=5)
    connection.execute(f"LISTEN {feed.CHANNEL}")
    return connection


def _wait(listener: psycopg.Connection) -> None:
    """Until a transaction writing to the feed commits, or POLL_SECONDS pass."""
    for _ in listener.notifies(timeout=POLL_SECONDS, stop_after=1):
        pass


def _prune(engine: Engine) -> None:
    with engine.begin() as connection:
        feed.prune(connection)
