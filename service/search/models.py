"""The change feed: one row per record whose change may alter what search or verify
finds, written by triggers in the same transaction as the change (schema/versions/0006)."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base

# The writing transaction's id (an xid8, as a bigint): the indexer's position is an xid horizon.
CURRENT_XID = text("(pg_current_xact_id()::text::bigint)")


class FeedEntry(Base):
    """A quote (`record_type` "quote") or a speaker ("speaker": every quote of it) changed."""

    __tablename__ = "search_feed"
    __table_args__ = (Index(None, "xid"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, server_default=CURRENT_XID)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("clock_timestamp()"))
