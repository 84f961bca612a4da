"""Language tags in their canonical case: `EN` becomes `en`, `en-gb` becomes `en-GB`.

Tags were kept as written until now; they are case-insensitive (BCP 47), and the
service now stores and matches them in one case. A translation that already exists in
the canonical spelling of its tag, with the same text, is the same translation: the
other spelling's copy is dropped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.fields import canonical_case

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("quotes", "translations", "sources")
DROP_TRANSLATION_DUPLICATES = """
DELETE FROM translations t WHERE t.lang = :old AND EXISTS (
    SELECT 1 FROM translations u
    WHERE u.quote_id = t.quote_id AND u.lang = :new AND md5(u.text) = md5(t.text))"""


def upgrade() -> None:
    """Rewrite every tag not in its canonical case (few distinct tags: one update each)."""
    connection = op.get_bind()
    for table in TABLES:
        tags = connection.execute(sa.text(f"SELECT DISTINCT lang FROM {table} WHERE lang IS NOT NULL"))
        for (tag,) in tags.all():
            if tag == canonical_case(tag):
                continue
            renamed = {"old": tag, "new": canonical_case(tag)}
            if table == "translations":
                connection.execute(sa.text(DROP_TRANSLATION_DUPLICATES), renamed)
            connection.execute(sa.text(f"UPDATE {table} SET lang = :new WHERE lang = :old"), renamed)


def downgrade() -> None:
    """Nothing to undo: the canonical case spells the same tags."""
