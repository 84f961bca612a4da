"""History: every change to a speaker, source or quote, written with the change."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class HistoryEntry(Base):
    """One change: which record, what was done, by whom, and the fields before and after."""

    __tablename__ = "history"
    __table_args__ = (Index(None, "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changes: Mapped[dict] = mapped_column(JSONB)


class Forwarding(Base):
    """A record merged into another: its id answers 308 with the survivor's path, and
    the survivor's history includes its changes. Chains are kept one step long."""

    __tablename__ = "forwardings"
    __table_args__ = (Index(None, "record_type", "into_id"),)

    record_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    into_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
