"""How far behind the database the search index is: for /ready and /metrics."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from service.search.index import IndexUnavailable, search_index

# How long the oldest feed row newer than the newest one applied has waited (0: none).
LAG_SQL = text(
    "SELECT extract(epoch FROM clock_timestamp() - at)::float FROM search_feed "
    "WHERE id > :applied ORDER BY id LIMIT 1"
)


def index_status(connection: Connection) -> dict:
    """`status` ("ready", or "building" while there is no index to search), `lag_seconds`
    (how long the oldest change not in the index yet has waited) and `position` (the
    WAL position every change before which is in the index)."""
    try:
        position = search_index().refresh()
    except IndexUnavailable:
        return {"status": "building", "lag_seconds": None, "position": None}
    applied = position.last_change[0] if position.last_change else 0
    lag = connection.execute(LAG_SQL, {"applied": applied}).scalar()
    return {"status": "ready", "lag_seconds": round(max(lag or 0.0, 0.0), 3), "position": position.lsn}
