"""Initial schema: speakers, sources, quotes with citations and translations, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Contrib modules for search (trigram similarity, accent folding).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table(
        "history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history")),
    )
    op.create_index(
        op.f("ix_history_record_type_record_id_id"),
        "history",
        ["record_type", "record_id", "id"],
        unique=False,
    )
    op.create_table(
        "sources",
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("identity_key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.Column("authors", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lang", sa.String(length=35), nullable=True),
        sa.Column("kind", sa.String(length=16), server_default="article", nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('article', 'tweet', 'broadcast', 'press_release', 'transcript', 'statement', 'other')",
            name=op.f("ck_sources_kind"),
        ),
        sa.CheckConstraint(
            "url IS NOT NULL OR publisher IS NOT NULL OR title IS NOT NULL",
            name=op.f("ck_sources_identifiable"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("identity_key", name=op.f("uq_sources_identity_key")),
    )
    op.create_index(
        op.f("ix_sources_url"), "sources", ["url"], unique=True, postgresql_where=sa.text("url IS NOT NULL")
    )
    op.create_table(
        "speakers",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="person", nullable=False),
        sa.Column("wikidata_id", sa.String(length=16), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('person', 'organisation', 'group')", name=op.f("ck_speakers_kind")),
        sa.CheckConstraint("wikidata_id ~ '^Q[1-9][0-9]*$'", name=op.f("ck_speakers_wikidata_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speakers")),
        sa.UniqueConstraint("wikidata_id", name=op.f("uq_speakers_wikidata_id")),
    )
    op.create_table(
        "quotes",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.LargeBinary(length=16), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("speaker_id", sa.BigInteger(), nullable=True),
        sa.Column("speaker_description", sa.Text(), nullable=True),
        sa.Column("speaker_role", sa.Text(), nullable=True),
        sa.Column("said_on", sa.Date(), nullable=True),
        sa.Column("said_on_precision", sa.String(length=8), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="unverified", nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("topics", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('direct', 'partial', 'indirect')", name=op.f("ck_quotes_kind")),
        sa.CheckConstraint(
            "said_on_precision IN ('day', 'month', 'year')", name=op.f("ck_quotes_said_on_precision")
        ),
        sa.CheckConstraint(
            "status IN ('unverified', 'verified', 'disputed', 'misattributed', 'retracted')",
            name=op.f("ck_quotes_status"),
        ),
        sa.CheckConstraint(
            "(said_on IS NULL) = (said_on_precision IS NULL)", name=op.f("ck_quotes_said_on_has_precision")
        ),
        sa.CheckConstraint(
            "speaker_id IS NOT NULL OR speaker_description IS NOT NULL", name=op.f("ck_quotes_has_speaker")
        ),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], name=op.f("fk_quotes_speaker_id_speakers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    op.create_index(op.f("ix_quotes_lang"), "quotes", ["lang"], unique=False)
    op.create_index(op.f("ix_quotes_said_on"), "quotes", ["said_on"], unique=False)
    op.create_index(op.f("ix_quotes_status"), "quotes", ["status"], unique=False)
    op.create_index(op.f("ix_quotes_topics"), "quotes", ["topics"], unique=False, postgresql_using="gin")
    op.create_index(
        "uq_quotes_speaker_statement",
        "quotes",
        ["speaker_id", "text_hash"],
        unique=True,
        postgresql_where=sa.text("speaker_id IS NOT NULL"),
    )
    op.create_index(
        "uq_quotes_unnamed_statement",
        "quotes",
        [sa.literal_column("lower(speaker_description)"), "text_hash"],
        unique=True,
        postgresql_where=sa.text("speaker_id IS NULL"),
    )
    op.create_table(
        "speaker_aliases",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("speaker_id", sa.BigInteger(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("alias_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_speaker_aliases_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_aliases")),
    )
    op.create_index(op.f("ix_speaker_aliases_alias_key"), "speaker_aliases", ["alias_key"], unique=False)
    op.create_index(
        op.f("ix_speaker_aliases_speaker_id_alias"), "speaker_aliases", ["speaker_id", "alias"], unique=True
    )
    op.create_table(
        "speaker_roles",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("speaker_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["speakers.id"],
            name=op.f("fk_speaker_roles_speaker_id_speakers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_roles")),
    )
    op.create_index(op.f("ix_speaker_roles_speaker_id"), "speaker_roles", ["speaker_id"], unique=False)
    op.create_table(
        "citations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("quote_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("printed_text", sa.Text(), nullable=True),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column("via", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_citations_quote_id_quotes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_citations_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
    )
    op.create_index(
        op.f("ix_citations_quote_id_source_id"), "citations", ["quote_id", "source_id"], unique=True
    )
    op.create_index(op.f("ix_citations_source_id"), "citations", ["source_id"], unique=False)
    op.create_table(
        "translations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("quote_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translator", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_translations_quote_id_quotes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
    )
    op.create_index(
        "uq_translations_quote_lang_text",
        "translations",
        ["quote_id", "lang", sa.literal_column("md5(text)")],
        unique=True,
    )


def downgrade() -> None:
    """Downgrade schema (the extensions stay: other database objects may use them)."""
    op.drop_index("uq_translations_quote_lang_text", table_name="translations")
    op.drop_table("translations")
    op.drop_index(op.f("ix_citations_source_id"), table_name="citations")
    op.drop_index(op.f("ix_citations_quote_id_source_id"), table_name="citations")
    op.drop_table("citations")
    op.drop_index(op.f("ix_speaker_roles_speaker_id"), table_name="speaker_roles")
    op.drop_table("speaker_roles")
    op.drop_index(op.f("ix_speaker_aliases_speaker_id_alias"), table_name="speaker_aliases")
    op.drop_index(op.f("ix_speaker_aliases_alias_key"), table_name="speaker_aliases")
    op.drop_table("speaker_aliases")
    op.drop_index(
        "uq_quotes_unnamed_statement", table_name="quotes", postgresql_where=sa.text("speaker_id IS NULL")
    )
    op.drop_index(
        "uq_quotes_speaker_statement", table_name="quotes", postgresql_where=sa.text("speaker_id IS NOT NULL")
    )
    op.drop_index(op.f("ix_quotes_topics"), table_name="quotes", postgresql_using="gin")
    op.drop_index(op.f("ix_quotes_status"), table_name="quotes")
    op.drop_index(op.f("ix_quotes_said_on"), table_name="quotes")
    op.drop_index(op.f("ix_quotes_lang"), table_name="quotes")
    op.drop_table("quotes")
    op.drop_table("speakers")
    op.drop_index(op.f("ix_sources_url"), table_name="sources", postgresql_where=sa.text("url IS NOT NULL"))
    op.drop_table("sources")
    op.drop_index(op.f("ix_history_record_type_record_id_id"), table_name="history")
    op.drop_table("history")
