"""Columns every record shares."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Integer, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class RecordMixin:
    """An identity key, timestamps, and a version for optimistic concurrency."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}
