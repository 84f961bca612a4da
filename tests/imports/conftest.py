"""A fresh, migrated database for tests that run real processes (their writes are not
rolled back, so they must not touch the shared test database)."""

import pytest
from sqlalchemy import text

from service import migrations
from service.db import make_engine
from tests.test_migrations import empty_database

__all__ = ["empty_database"]


@pytest.fixture
def fresh_database(empty_database):
    """The URL of a new, migrated, empty database on the test server, dropped afterwards."""
    migrations.upgrade(empty_database)
    return empty_database.url.render_as_string(hide_password=False)


def count(url: str, table: str) -> int:
    """Rows in one of the import's tables."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()
