"""Idempotency keys are scoped per API key: one key's import report is never replayed
to another. Stored reports cannot be attributed to the key that made them, so they
are dropped (a repeated request then runs again, and matches what it imported).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("DELETE FROM import_requests")
    op.drop_constraint("pk_import_requests", "import_requests", type_="primary")
    op.add_column("import_requests", sa.Column("api_key_id", sa.BigInteger(), nullable=False))
    op.create_foreign_key(
        op.f("fk_import_requests_api_key_id_api_keys"), "import_requests", "api_keys", ["api_key_id"], ["id"]
    )
    op.create_primary_key("pk_import_requests", "import_requests", ["api_key_id", "key"])


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM import_requests")
    op.drop_constraint("pk_import_requests", "import_requests", type_="primary")
    op.drop_constraint(op.f("fk_import_requests_api_key_id_api_keys"), "import_requests", type_="foreignkey")
    op.drop_column("import_requests", "api_key_id")
    op.create_primary_key("pk_import_requests", "import_requests", ["key"])
