"""Writing history entries, in the caller's transaction."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.history.models import HistoryEntry
from service.pagination import Listing


def jsonable(value: Any) -> Any:
    """A column value as JSON: dates as RFC 3339 strings, bytes skipped by the caller."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def snapshot(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a record, as JSON."""
    return {name: jsonable(getattr(record, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": ..., "after": ...}} for every field that changed."""
    return {
        name: {"before": before.get(name), "after": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def record_change(session: Session, record_type: str, record_id: int, action: str, changes: dict) -> None:
    """Add a history entry; the acting key's name comes from `session.info["actor"]`."""
    session.add(
        HistoryEntry(
            record_type=record_type,
            record_id=record_id,
            action=action,
            actor=session.info.get("actor"),
            changes=changes,
        )
    )


def history_listing(record_type: str, record_id: int) -> Listing:
    """A record's history, oldest change first."""
    stmt = select(HistoryEntry).where(
        HistoryEntry.record_type == record_type, HistoryEntry.record_id == record_id
    )
    return Listing(stmt, (HistoryEntry.id,))
