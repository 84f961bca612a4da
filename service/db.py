"""Database core: the declarative base, the engine, and one session per request.

Services take a session and never commit; the request's transaction is
committed (or rolled back) here, in one place.
"""

from collections.abc import Callable

import flask
from sqlalchemy import CheckConstraint, MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from service.config import normalise_database_url

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of_constraint(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that `column` holds one of `values`, named after the column."""
    return CheckConstraint(f"{column} IN {values}", name=column)


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """A pooled psycopg 3 engine; stale connections are replaced, not handed out."""
    return create_engine(
        normalise_database_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 5},
    )


class Database:
    """The Flask extension holding the engine and the session factory.

    The URL is resolved on first use, so commands that never touch the
    database (writing the OpenAPI spec, say) never start one.
    """

    def __init__(self, resolve_url: Callable[[], str], pool_size: int = 5):
        self._resolve_url = resolve_url
        self._pool_size = pool_size
        self._engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    @property
    def started(self) -> bool:
        """Has the engine been made (has anything used the database yet)?"""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self._resolve_url(), self._pool_size)
        return self._engine

    def bind(self, factory: sessionmaker[Session]) -> None:
        """Use another session factory (tests bind sessions to one rolled-back connection)."""
        self.session_factory = factory

    def new_session(self) -> Session:
        if self.session_factory is None:
            self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        return self.session_factory()

    def init_app(self, app: flask.Flask) -> None:
        app.extensions["db"] = self
        app.after_request(_commit_on_success)
        app.teardown_appcontext(_close_session)


def session() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in flask.g:
        flask.g.db_session = flask.current_app.extensions["db"].new_session()
    return flask.g.db_session


def _commit_on_success(response: flask.Response) -> flask.Response:
    db_session = flask.g.get("db_session")
    if db_session is not None and response.status_code < 400:
        db_session.commit()
    return response


def _close_session(_exc: BaseException | None) -> None:
    db_session = flask.g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
