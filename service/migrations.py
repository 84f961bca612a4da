"""Alembic, driven from code: the migrations in `schema/` are the only DDL."""

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the `schema` package, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(files("schema")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply pending migrations (serialised by an advisory lock in `schema/env.py`)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` ("base" for an empty database)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def head_revision() -> str:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at, or None if it has none applied."""
    return MigrationContext.configure(connection).get_current_revision()
