"""Reading the change feed consistently.

A feed row carries the id of the transaction that wrote it (an xid8). Sequence numbers
are taken in one order and transactions commit in another, so "every row after the last
id applied" would skip a row whose transaction commits after a later one's. The indexer
instead keeps an xid *horizon*: every transaction below it has ended (committed or rolled
back), so its rows are all visible and all applied. A pass reads, in one snapshot, every
row at or above the horizon; afterwards the horizon moves to that snapshot's xmin (the
oldest transaction still running when it was taken). Rows of transactions above the new
horizon that were already visible are remembered, so they are not applied again and again
while an old transaction holds the horizon back — and applying one twice is harmless
anyway: a quote is re-indexed from its current row.
"""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

PAGE_SIZE = 5000
RETENTION = "7 days"
CHANNEL = "onrecord_search_feed"  # the triggers notify it (schema/versions/0006)

CHANGE_COLUMNS = "id, xid, (extract(epoch FROM at) * 1000000)::bigint AS at"  # at: microseconds
SNAPSHOT_SQL = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin")
PAGE_SQL = text(
    f"""
    SELECT record_type, record_id, {CHANGE_COLUMNS} FROM search_feed
    WHERE xid >= :horizon AND id > :after
    ORDER BY id LIMIT :limit
    """
)
QUOTES_OF_SPEAKERS_SQL = text("SELECT id FROM quotes WHERE speaker_id = ANY(:ids)")
LAST_CHANGE_SQL = text(f"SELECT {CHANGE_COLUMNS} FROM search_feed ORDER BY id DESC LIMIT 1")
CHANGE_SQL = text(f"SELECT {CHANGE_COLUMNS} FROM search_feed WHERE id = :id")
OLDEST_SQL = text("SELECT min(id) FROM search_feed")
PRUNE_SQL = text(
    f"DELETE FROM search_feed WHERE at < now() - interval '{RETENTION}' "
    "AND id < (SELECT max(id) FROM search_feed)"
)


@dataclass
class Cursor:
    """Where the indexer is in the feed: the horizon, and the rows above it applied."""

    horizon: int
    applied: dict[int, int] = field(default_factory=dict)  # feed id -> xid
    last_change: tuple | None = None

    def advance(self, rows: list, new_horizon: int) -> None:
        """Every row read in a pass is applied: move the horizon to the pass's xmin."""
        for row in rows:
            self.applied[row.id] = row.xid
            if self.last_change is None or row.id > self.last_change[0]:
                self.last_change = (row.id, row.xid, row.at)
        self.horizon = max(self.horizon, new_horizon)
        self.applied = {i: x for i, x in self.applied.items() if x >= self.horizon}


def snapshot_xmin(connection: Connection) -> int:
    """The xmin of the transaction's snapshot (call it first in a REPEATABLE READ one)."""
    return connection.execute(SNAPSHOT_SQL).one().xmin


def pending_pages(connection: Connection, cursor: Cursor):
    """Pages of the feed rows not applied yet, visible in the connection's snapshot."""
    after = 0
    while True:
        rows = connection.execute(
            PAGE_SQL, {"horizon": cursor.horizon, "after": after, "limit": PAGE_SIZE}
        ).all()
        fresh = [row for row in rows if row.id not in cursor.applied]
        if fresh:
            yield fresh
        if len(rows) < PAGE_SIZE:
            return
        after = rows[-1].id


def quote_ids(connection: Connection, rows: list) -> set[int]:
    """The quotes a page of feed rows touches (a speaker's change touches all of its quotes)."""
    ids = {row.record_id for row in rows if row.record_type == "quote"}
    speakers = [row.record_id for row in rows if row.record_type == "speaker"]
    if speakers:
        ids.update(connection.execute(QUOTES_OF_SPEAKERS_SQL, {"ids": speakers}).scalars())
    return ids


def last_change(connection: Connection) -> tuple | None:
    """(id, xid, at) of the newest feed row, None if the feed is empty."""
    row = connection.execute(LAST_CHANGE_SQL).one_or_none()
    return None if row is None else (row.id, row.xid, row.at)


def mismatch(connection: Connection, horizon: int, change: tuple | None) -> str | None:
    """Why an index at this horizon, whose newest applied change is `change`, was not
    built from this database as it is now (restored from a backup, or another one);
    None if it was."""
    if snapshot_xmin(connection) < horizon:
        return "the database is behind the search index (restored from a backup?)"
    if change is None:
        return None
    row = connection.execute(CHANGE_SQL, {"id": change[0]}).one_or_none()
    if row is not None:
        same = (row.id, row.xid, row.at) == tuple(change)
        return None if same else "the database is not the one the search index was built from"
    oldest = connection.execute(OLDEST_SQL).scalar()
    if oldest is not None and oldest > change[0]:
        return f"the search index is older than the change feed keeps ({RETENTION})"
    return "the database is behind the search index (restored from a backup?)"


def prune(connection: Connection) -> None:
    """Forget feed rows older than RETENTION (an index further behind is rebuilt)."""
    connection.execute(PRUNE_SQL)
