"""Sources: where a quote was published."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, one_of_constraint
from service.models import RecordMixin

SOURCE_KINDS = ("article", "tweet", "broadcast", "press_release", "transcript", "statement", "other")


class Source(RecordMixin, Base):
    """An article, tweet, broadcast, press release, transcript or statement."""

    __tablename__ = "sources"
    __table_args__ = (
        one_of_constraint("kind", SOURCE_KINDS),
        CheckConstraint(
            "url IS NOT NULL OR publisher IS NOT NULL OR title IS NOT NULL",
            name="identifiable",
        ),
        Index(None, "url", unique=True, postgresql_where=text("url IS NOT NULL")),
    )

    url: Mapped[str | None] = mapped_column(Text)
    # Canonical URL, or title|publisher|date for a source without one: what
    # makes two submissions the same source.
    identity_key: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lang: Mapped[str | None] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(16), server_default="article")
