"""Writing history entries, in the caller's transaction."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.errors import Moved
from service.history.models import Forwarding, HistoryEntry
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
    record_changes(session, record_type, action, {record_id: changes})


def record_changes(session: Session, record_type: str, action: str, changes: dict[int, dict]) -> None:
    """Add one history entry per record id (`{id: changes}`), in one multi-row INSERT."""
    actor = session.info.get("actor")
    rows = [
        {"record_type": record_type, "record_id": i, "action": action, "actor": actor, "changes": c}
        for i, c in changes.items()
    ]
    if rows:
        session.execute(insert(HistoryEntry), rows)


def history_listing(record_type: str, record_id: int) -> Listing:
    """A record's history, oldest change first, with the changes of every record merged into it."""
    merged = select(Forwarding.record_id).where(
        Forwarding.record_type == record_type, Forwarding.into_id == record_id
    )
    stmt = select(HistoryEntry).where(
        HistoryEntry.record_type == record_type,
        or_(HistoryEntry.record_id == record_id, HistoryEntry.record_id.in_(merged)),
    )
    return Listing(stmt, (HistoryEntry.id,))


def forward(session: Session, record_type: str, record_id: int, into_id: int) -> None:
    """Remember that `record_id` now lives at `into_id`, and so does everything that
    was forwarded to `record_id` (one step, however often records are merged)."""
    session.execute(
        update(Forwarding)
        .where(Forwarding.record_type == record_type, Forwarding.into_id == record_id)
        .values(into_id=into_id)
    )
    session.add(Forwarding(record_type=record_type, record_id=record_id, into_id=into_id))


def forwarding_address(session: Session, record_type: str, record_id: int) -> int | None:
    """The id a merged record now lives at, or None."""
    return session.scalar(_forwarding(record_type, record_id))


def current_id(record_type: str, record_id: int) -> ColumnElement[int]:
    """SQL for the id the record lives at now: `record_id`, or its survivor if it was merged."""
    return func.coalesce(_forwarding(record_type, record_id).scalar_subquery(), record_id)


def _forwarding(record_type: str, record_id: int) -> Select:
    return select(Forwarding.into_id).where(
        Forwarding.record_type == record_type, Forwarding.record_id == record_id
    )


def raise_if_moved(session: Session, record_type: str, record_id: int) -> None:
    """For a record that is not found: 308 to where it was merged, if it was."""
    into_id = forwarding_address(session, record_type, record_id)
    if into_id is not None:
        raise Moved(record_type, record_id, into_id)
