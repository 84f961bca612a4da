"""Speakers: who said it, under every name they are known by."""

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, one_of_constraint
from service.models import RecordMixin

SPEAKER_KINDS = ("person", "organisation", "group")


class Speaker(RecordMixin, Base):
    """A person, an organisation (or its account), or a named group."""

    __tablename__ = "speakers"
    __table_args__ = (
        one_of_constraint("kind", SPEAKER_KINDS),
        CheckConstraint(r"wikidata_id ~ '^Q[1-9][0-9]*$'", name="wikidata_id"),
    )

    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), server_default="person")
    wikidata_id: Mapped[str | None] = mapped_column(String(16), unique=True)

    aliases: Mapped[list["SpeakerAlias"]] = relationship(
        back_populates="speaker",
        cascade="all, delete-orphan",
        order_by="SpeakerAlias.id",
    )
    roles: Mapped[list["SpeakerRole"]] = relationship(cascade="all, delete-orphan", order_by="SpeakerRole.id")

    @property
    def other_names(self) -> list[str]:
        """Every alias except the display name itself."""
        return [a.alias for a in self.aliases if a.alias != self.name]


class SpeakerAlias(Base):
    """One spelling of a speaker's name; the display name is one of them."""

    __tablename__ = "speaker_aliases"
    __table_args__ = (
        Index(None, "speaker_id", "alias", unique=True),
        Index(None, "alias_key"),
        Index(
            "ix_speaker_aliases_latin_key_trgm",
            "latin_key",
            postgresql_using="gin",
            postgresql_ops={"latin_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(Text)
    alias_key: Mapped[str] = mapped_column(Text)
    latin_key: Mapped[str] = mapped_column(Text)  # alias_key in Latin letters, for fuzzy look-up

    speaker: Mapped[Speaker] = relationship(back_populates="aliases")


class SpeakerRole(Base):
    """A title held over a period: "aide to the President of Russia"."""

    __tablename__ = "speaker_roles"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
