"""The search index's change feed: triggers write a row for every quote or speaker
whose change may alter what search or verify finds, in the same transaction. And
PostgreSQL stops maintaining the full-text vectors and their GIN indexes the search
index replaces (the trigram index over speaker aliases and the topics index stay).

Statement-level triggers with transition tables: an import of a thousand quotes
writes its feed rows in one INSERT … SELECT per statement, not one per row.
(PostgreSQL allows transition tables only on single-event triggers: three per table.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEED_CHANNEL = "onrecord_search_feed"
# table -> (record type, the column naming the record)
FED_TABLES = {
    "quotes": ("quote", "id"),
    "translations": ("quote", "quote_id"),
    "citations": ("quote", "quote_id"),
    "speakers": ("speaker", "id"),
    "speaker_aliases": ("speaker", "speaker_id"),
}
EVENTS = ("INSERT", "UPDATE", "DELETE")
SEARCHED_TABLES = ("quotes", "translations")
SEARCH_VECTOR = "to_tsvector(onrecord_search_config(lang), onrecord_unaccent(coalesce(search_text, text)))"

FEED_FUNCTION = f"""
CREATE FUNCTION onrecord_search_feed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    record_type text := TG_ARGV[0];
    key text := TG_ARGV[1];
    changed_rows text := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %1$I FROM new_rows', key)
        WHEN 'DELETE' THEN format('SELECT %1$I FROM old_rows', key)
        ELSE format('SELECT %1$I FROM new_rows UNION SELECT %1$I FROM old_rows', key)
    END;
    written bigint;
BEGIN
    EXECUTE format(
        'INSERT INTO search_feed (record_type, record_id) '
        'SELECT DISTINCT %L, k FROM (%s) AS changed (k) WHERE k IS NOT NULL ORDER BY 2',
        record_type, changed_rows);
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written > 0 THEN
        PERFORM pg_notify('{FEED_CHANNEL}', '');
    END IF;
    RETURN NULL;
END $$
"""


def _transition(event: str) -> str:
    return {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }[event]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "search_feed",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "xid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text::bigint)"),
            nullable=False,
        ),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_feed")),
    )
    op.create_index(op.f("ix_search_feed_xid"), "search_feed", ["xid"], unique=False)
    op.execute(FEED_FUNCTION)
    for table, (record_type, key) in FED_TABLES.items():
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER search_feed_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {_transition(event)} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION onrecord_search_feed('{record_type}', '{key}')"
            )
    for table in SEARCHED_TABLES:
        op.drop_index(f"ix_{table}_search_vector", table_name=table)
        op.drop_column(table, "search_vector")


def downgrade() -> None:
    """Downgrade schema."""
    for table in SEARCHED_TABLES:
        op.add_column(
            table,
            sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(SEARCH_VECTOR, persisted=True)),
        )
        op.create_index(f"ix_{table}_search_vector", table, ["search_vector"], postgresql_using="gin")
    for table in FED_TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER search_feed_{event.lower()} ON {table}")
    op.execute("DROP FUNCTION onrecord_search_feed()")
    op.drop_index(op.f("ix_search_feed_xid"), table_name="search_feed")
    op.drop_table("search_feed")
