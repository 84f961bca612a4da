"""Stored import reports, replayed for a repeated `Idempotency-Key`."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class ImportRequest(Base):
    """One completed import: the API key that ran it, its Idempotency-Key, a digest of
    its options and body, and its report."""

    __tablename__ = "import_requests"

    api_key_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("api_keys.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    report: Mapped[dict] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
