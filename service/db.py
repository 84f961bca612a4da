"""Database core: the declarative base, the engines, and at most one session per request.

Services take a session and never commit; the request's transaction is
committed (or rolled back) here, in one place. A read of one statement (a point read)
runs on a pooled connection of its own, without a session (`one_driver_statement`).

With a replica (DATABASE_REPLICA_URL), reads (GET, HEAD, OPTIONS) go to it and
everything else to the primary. Read-after-write without server-side state: a
successful write answers with the primary's WAL position in `X-Position`; a read
sending it back as `X-Min-Position` is served by the replica only once the replica
has replayed that far, else by the primary (see docs/scaling.md); a search waits for
the search index to hold that position (service/search/index.py).
"""

import logging
import re
import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import flask
import orjson
import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import CheckConstraint, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import ClauseElement

from service.api import view_method
from service.config import normalise_database_url

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GIVE_UP_AFTER = 3  # seconds
APPLICATION_NAME = "onrecord"  # as pg_stat_activity shows its sessions
LONG_TIMEOUT = "long_statement_timeout"  # Session.info key
READ_METHODS = ("GET", "HEAD", "OPTIONS")
POSITION_HEADER = "X-Position"
MIN_POSITION_HEADER = "X-Min-Position"
_WAL_POSITION = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of_constraint(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that `column` holds one of `values`, named after the column."""
    return CheckConstraint(f"{column} IN {values}", name=column)


def make_engine(
    url: str, pool_size: int = 5, read_only: bool = False, statement_timeout: float | None = None
) -> Engine:
    """A pooled psycopg 3 engine that fails fast when the database is away, so a
    request gets its 503 within seconds: connections the server closed are replaced
    before use; connecting, waiting for a free pooled connection, and waiting for the
    server to acknowledge what was sent over TCP each give up after GIVE_UP_AFTER.
    It keeps up to twice `pool_size` connections open (the pool and what used to be its
    overflow), so a busy worker never opens and closes one per request.
    `read_only` makes every transaction read-only, so a read that tries to write fails
    even where the replica URL leads to a writable server. With a `statement_timeout`
    (seconds), PostgreSQL cancels any statement of its sessions running longer."""
    connect_args = {
        "connect_timeout": GIVE_UP_AFTER,
        "tcp_user_timeout": GIVE_UP_AFTER * 1000,
        "application_name": APPLICATION_NAME,
        # TCP keepalives: an idle pooled connection a firewall or failover dropped without
        # a word errors out in the kernel, so the checkout's poll replaces it; and NAT
        # mappings of idle connections stay alive.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    if statement_timeout is not None:
        connect_args["options"] = f"-c statement_timeout={_milliseconds(statement_timeout)}"
    engine = create_engine(
        normalise_database_url(url),
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_timeout=GIVE_UP_AFTER,
        connect_args=connect_args,
        json_deserializer=orjson.loads,  # the documents PostgreSQL builds for reads and searches
    )
    event.listen(engine, "checkout", _replace_if_closed)
    return engine.execution_options(postgresql_readonly=True) if read_only else engine


def _replace_if_closed(dbapi_connection, _record, _proxy) -> None:
    """Pool checkout: a connection the server closed (a restart, an idle timeout), or that
    TCP keepalives found dead, is replaced. An idle connection's socket has nothing to
    read unless the server sent its goodbye or hung up, so polling it costs no round trip
    (unlike SELECT 1 pre-pings); poll reports an error or hang-up whatever it asks for.
    poll, not select: a busy worker's descriptors may number past select's 1024. In a
    gevent worker it is gevent's, which lets the other greenlets run first: the
    operating system's saved a point read 7 % of its instructions, but its p99 rose by a
    fifth (SQLAlchemy's pool does not serve its longest waiter first; docs/performance.md)."""
    if dbapi_connection.closed:
        raise DisconnectionError("the server closed this connection")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed this connection")


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def long_statements(view):
    """Mark a view (an import, an export) whose statements get the longer deadline,
    ONRECORD_IMPORT_STATEMENT_TIMEOUT, instead of ONRECORD_STATEMENT_TIMEOUT."""
    view.long_statements = True
    return view


@contextmanager
def one_driver_statement(db_session: Session | None = None) -> Iterator[psycopg.Connection]:
    """Where a read of one statement in the driver's SQL runs (a point read, a search's
    page), in `db_session` or else the current request's. As the request's first use of the
    database: a pooled connection of its own in autocommit, no BEGIN and COMMIT round
    trips (one statement sees one snapshot anyway), without SQLAlchemy's Connection and
    result layers (85 µs of CPU a point read: 134 against 219 measured in-process), and
    without making the request's session at all (making and closing it cost a point read
    under load some 5 % of its CPU). Else (or where tests bind sessions to one
    connection) the transaction's connection."""
    engine = _own_engine(db_session) if db_session is not None else _request_engine()
    if engine is None:
        db_session = db_session if db_session is not None else session()
        yield db_session.connection().connection.driver_connection
        return
    pooled = engine.raw_connection()
    connection = pooled.driver_connection
    try:
        connection.autocommit = True
        yield connection
    finally:
        if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            pooled.invalidate()  # the server went away, or the statement was cut off mid-way
        else:
            connection.autocommit = False
        pooled.close()


def driver_sql(statement: ClauseElement, dialect: Dialect) -> tuple[str, dict]:
    """A SQLAlchemy statement as the SQL text and parameters psycopg runs, compiled by
    `dialect` (a connection's, or psycopg's PostgreSQL dialect). The parameters are the
    statement's values as they are: SQLAlchemy's type processing (a JSON or Enum
    parameter's) is not applied."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), compiled.params


def _request_engine() -> Engine | None:
    """The engine the current request's one-statement read may take a connection of its
    own from: as `_own_engine` says once the request has a session, else the one its
    session would be made on, where that is known without asking the database."""
    if (db_session := flask.g.get("db_session")) is not None:
        return _own_engine(db_session)
    request = flask.request._get_current_object()  # once: each read through the proxy looks it up
    database = flask.current_app.extensions["db"]
    return database.statement_engine(request.method in READ_METHODS, request.headers.get(MIN_POSITION_HEADER))


def _own_engine(session: Session) -> Engine | None:
    """The engine a one-statement read may take a connection of its own from: the
    session's, unless its transaction has begun or tests bind it to a connection."""
    bind = session.get_bind()
    return None if session.in_transaction() or not isinstance(bind, Engine) else bind


@event.listens_for(Session, "after_begin")
def _set_long_deadline(session: Session, _transaction, connection) -> None:
    """Each transaction of a session made for a long-statement view raises its deadline."""
    if timeout := session.info.get(LONG_TIMEOUT):
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {_milliseconds(timeout)}")


class Database:
    """The Flask extension holding the engines and making each request's session.

    URLs are resolved on first use, so commands that never touch the database
    (writing the OpenAPI spec, say) never start one.
    """

    def __init__(
        self,
        resolve_url: Callable[[], str],
        pool_size: int = 5,
        replica_url: str | None = None,
        deadlines: tuple[float, float] | None = None,
    ):
        """`deadlines`: the statement timeouts (seconds) of a request, and of a
        long-statement view's request; none without."""
        self._resolve_url = resolve_url
        self._pool_size = pool_size
        self._replica_url = replica_url
        self._deadlines = deadlines
        self._engine: Engine | None = None
        self._replica_engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    @property
    def started(self) -> bool:
        """Has the engine been made (has anything used the database yet)?"""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        """The primary's engine."""
        if self._engine is None:
            self._engine = make_engine(self._resolve_url(), self._pool_size, statement_timeout=self._timeout)
        return self._engine

    @property
    def has_replica(self) -> bool:
        """Do reads go to a replica?"""
        return self._replica_url is not None and self.session_factory is None

    def bind(self, factory: sessionmaker[Session]) -> None:
        """Make every session with this factory, on the primary or not (tests bind
        sessions to one rolled-back connection)."""
        self.session_factory = factory

    @property
    def _timeout(self) -> float | None:
        return self._deadlines[0] if self._deadlines else None

    def new_session(self, read: bool = False, min_position: str | None = None, long: bool = False) -> Session:
        """A session on the primary; for a `read` on the replica when there is one,
        unless the client asks for a WAL position the replica has not replayed yet.
        A `long` one's transactions get the longer deadline."""
        session = self._new_session(read, min_position)
        if long and self._deadlines:
            session.info[LONG_TIMEOUT] = self._deadlines[1]
        return session

    @property
    def replica_engine(self) -> Engine:
        """The replica's engine (reads only); has_replica says whether there is one."""
        if self._replica_engine is None:
            self._replica_engine = make_engine(
                self._replica_url, self._pool_size, read_only=True, statement_timeout=self._timeout
            )
        return self._replica_engine

    def statement_engine(self, read: bool, min_position: str | None) -> Engine | None:
        """The engine a session made for these arguments would be on, or None where that
        is not known beforehand: sessions are bound (tests), or the replica must first
        say whether it has replayed `min_position`."""
        if self.session_factory is not None:
            return None
        if read and self.has_replica:
            return self.replica_engine if min_position is None else None
        return self.engine

    def _new_session(self, read: bool, min_position: str | None) -> Session:
        if self.session_factory is not None:
            return self.session_factory()
        if (engine := self.statement_engine(read, min_position)) is not None:
            return Session(engine, expire_on_commit=False)
        replica = Session(self.replica_engine, expire_on_commit=False)  # a read with a position
        if _has_replayed(replica, min_position):
            return replica
        replica.close()
        return Session(self.engine, expire_on_commit=False)

    def init_app(self, app: flask.Flask) -> None:
        app.extensions["db"] = self
        app.after_request(_commit_on_success)
        app.teardown_appcontext(_close_session)


def wal_position(value: str | None) -> int | None:
    """A WAL position (`16/B374D848`) as a number, None if `value` is not one."""
    if value is None or not _WAL_POSITION.match(value):
        return None
    high, low = value.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _has_replayed(replica: Session, position: str) -> bool:
    """Has the replica replayed the primary's WAL up to `position`? Not a position, or
    not a standby (the function is then NULL): no, the primary will answer."""
    if not _WAL_POSITION.match(position):
        return False
    replayed = text("SELECT pg_last_wal_replay_lsn() >= CAST(:position AS pg_lsn)")
    return bool(replica.execute(replayed, {"position": position}).scalar())


def session() -> Session:
    """The current request's session, opened on first use (on the replica for a read,
    when there is one)."""
    if "db_session" not in flask.g:
        request = flask.request
        flask.g.db_session = flask.current_app.extensions["db"].new_session(
            read=request.method in READ_METHODS,
            min_position=request.headers.get(MIN_POSITION_HEADER),
            long=getattr(view_method(), "long_statements", False) if request.url_rule else False,
        )
    return flask.g.db_session


def _commit_on_success(response: flask.Response) -> flask.Response:
    """Commit a successful request's transaction, if one is open (an import commits as
    it goes). A failed commit (the database gone, a deferred constraint) answers as the
    same error raised in a view would: the client never sees a success for a change that
    is not stored."""
    db_session = flask.g.get("db_session")
    if db_session is None or response.status_code >= 400:
        return response
    if db_session.in_transaction():
        try:
            db_session.commit()
        except SQLAlchemyError as error:
            return flask.current_app.handle_user_exception(error)
    # (A streamed body owns its session: service/imports/streaming.py.) The search index,
    # too, follows the primary a little behind: with a replica or without.
    if flask.request.method not in READ_METHODS:
        _send_position(db_session, response)
    return response


def _send_position(db_session: Session, response: flask.Response) -> None:
    """Tell the client where the primary's WAL stands now that its write is committed.
    The write is stored whatever happens here: on an error the header is left out."""
    try:
        position = db_session.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
    except SQLAlchemyError as error:
        log.warning("no write position: %s", error)
        return
    response.headers[POSITION_HEADER] = str(position)


def _close_session(_exc: BaseException | None) -> None:
    db_session = flask.g.pop("db_session", None)
    if db_session is not None:
        close(db_session)


def close(db_session: Session) -> None:
    """End a request's session (at teardown, or once its streamed response is sent). Its
    connection may have been lost under a driver-level statement (SQLAlchemy never saw
    that error, so it still rolls back on close): the answer stands, and the connection
    is dropped instead of pooled."""
    try:
        db_session.close()
    except OperationalError as error:
        log.warning("database connection lost before the session closed: %s", error.orig)
        db_session.invalidate()
