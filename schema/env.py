"""Alembic environment: migrations run on the connection the service hands in,
or on DATABASE_URL when run as `alembic upgrade head` from the repository root."""

from alembic import context
from sqlalchemy import text

from service.config import Settings
from service.db import make_engine
from service.schema_models import metadata

# Any fixed number: several instances starting at once apply migrations one at a time.
MIGRATION_LOCK_ID = 0x0A1EC0DE


def run_migrations(connection) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = Settings().database_url
    if url is None:
        raise SystemExit("set DATABASE_URL, or use `onrecord migrate` for the embedded database")
    with make_engine(url).begin() as connection:
        run_migrations(connection)
