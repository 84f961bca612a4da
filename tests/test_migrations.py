"""The migration chain: upgrade on an empty database, downgrade, and no drift from the models."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from service import migrations
from service.app import create_app
from service.db import make_engine
from service.schema_models import metadata


@pytest.fixture
def empty_database(database_url):
    """A new, empty database on the same server, dropped afterwards."""
    name = f"onrecord_migrations_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(database_url).set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_then_downgrade_to_empty(empty_database):
    migrations.upgrade(empty_database)
    tables = set(inspect(empty_database).get_table_names())
    assert {"quotes", "speakers", "sources", "citations", "translations", "history"} <= tables
    migrations.downgrade(empty_database, "base")
    assert set(inspect(empty_database).get_table_names()) == {"alembic_version"}


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_ready_only_when_schema_is_current(empty_database):
    url = empty_database.url.render_as_string(hide_password=False)
    client = create_app(database_url=url).test_client()
    behind = client.get("/ready")
    assert behind.status_code == 503
    assert "onrecord migrate" in behind.get_json()["detail"]
    migrations.upgrade(empty_database)
    ready = client.get("/ready").get_json()
    assert (ready["status"], ready["schema_revision"]) == ("ready", migrations.head_revision())


def test_ready_is_503_when_database_is_unreachable():
    client = create_app(database_url="postgresql://nobody@127.0.0.1:1/none").test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"


def test_health_answers_without_a_database():
    client = create_app(database_url="postgresql://nobody@127.0.0.1:1/none").test_client()
    assert client.get("/health").get_json() == {"status": "ok"}
