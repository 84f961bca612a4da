"""Quotes: one statement as said once by its speaker, with its citations and translations."""

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, one_of_constraint
from service.models import RecordMixin
from service.sources.models import Source
from service.speakers.models import Speaker

QUOTE_KINDS = ("direct", "partial", "indirect")
QUOTE_STATUSES = ("unverified", "verified", "disputed", "misattributed", "retracted")
DATE_PRECISIONS = ("day", "month", "year")


class Quote(RecordMixin, Base):
    """A statement, in the language it is recorded in."""

    __tablename__ = "quotes"
    __table_args__ = (
        one_of_constraint("kind", QUOTE_KINDS),
        one_of_constraint("status", QUOTE_STATUSES),
        one_of_constraint("said_on_precision", DATE_PRECISIONS),
        CheckConstraint("speaker_id IS NOT NULL OR speaker_description IS NOT NULL", name="has_speaker"),
        CheckConstraint("(said_on IS NULL) = (said_on_precision IS NULL)", name="said_on_has_precision"),
        # One statement per speaker: the database, not the code, keeps it unique.
        Index(
            "uq_quotes_speaker_statement",
            "speaker_id",
            "text_hash",
            unique=True,
            postgresql_where=sql_text("speaker_id IS NOT NULL"),
        ),
        Index(
            "uq_quotes_unnamed_statement",
            func.lower(sql_text("speaker_description")),
            "text_hash",
            unique=True,
            postgresql_where=sql_text("speaker_id IS NULL"),
        ),
        Index(None, "topics", postgresql_using="gin"),
        Index(None, "said_on"),
    )

    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[bytes] = mapped_column(LargeBinary(16))
    lang: Mapped[str] = mapped_column(String(35), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id"))
    speaker_description: Mapped[str | None] = mapped_column(Text)
    speaker_role: Mapped[str | None] = mapped_column(Text)
    said_on: Mapped[date | None] = mapped_column(Date)
    said_on_precision: Mapped[str | None] = mapped_column(String(8))
    context: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default="unverified", index=True)
    status_note: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    search_text: Mapped[str | None] = mapped_column(Text)  # what the search index analyses

    speaker: Mapped[Speaker | None] = relationship()
    citations: Mapped[list["Citation"]] = relationship(cascade="all, delete-orphan", order_by="Citation.id")
    translations: Mapped[list["Translation"]] = relationship(
        cascade="all, delete-orphan", order_by="Translation.id"
    )


class Citation(Base):
    """Where a quote was carried, and how that source worded and attributed it."""

    __tablename__ = "citations"
    __table_args__ = (Index(None, "quote_id", "source_id", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    printed_text: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str | None] = mapped_column(Text)

    source: Mapped[Source] = relationship(lazy="joined")


class Translation(Base):
    """The quote in another language, and who translated it."""

    __tablename__ = "translations"
    __table_args__ = (
        Index(
            "uq_translations_quote_lang_text",
            "quote_id",
            "lang",
            func.md5(sql_text("text")),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    translator: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str | None] = mapped_column(Text)  # what the search index analyses
