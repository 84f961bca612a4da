"""Quotes out, in the import format: NDJSON (one `POST /v1/quotes` body per line) or the
import's CSV columns. Rows stream from a server-side cursor, a partition at a time, the
next partition fetched while the worker sends the last one."""

import csv
import io
import logging
import queue
import threading
from collections.abc import Generator, Iterator
from contextlib import closing
from typing import TypeVar

import psycopg
from psycopg.rows import scalar_row
from sqlalchemy import Select, func, literal_column, select, text, true
from sqlalchemy.orm import Session

from service.db import driver_sql
from service.exports.documents import CSV_PARTS, QUOTE_CSV, QUOTE_JSON, SPEAKER_JSON, SPEAKER_VALUES
from service.imports.formats import CSV_COLUMNS
from service.quotes.models import Quote
from service.quotes.services import list_quotes
from service.speakers.models import Speaker

FORMATS = ("ndjson", "csv")
PARTITION = 1000
FIRST_PARTITION = 100  # so that the first chunk leaves sooner
READ_AHEAD = 1  # partitions fetched and waiting to be sent (the reader may hold one more)
UTF8_BOM = "\ufeff"  # spreadsheets read the file as UTF-8 only when it says so
LINE_END = {"ndjson": "\n", "csv": "\r\n"}
# JIT compiling the export's plan (its cost is in the millions at a million quotes) took
# a third of a second before the first row, and the time is in the text functions.
NO_JIT = text("SET LOCAL jit = off")
_SPEAKERS = Speaker.__table__.alias("s")
_DONE = object()
log = logging.getLogger(__name__)
T = TypeVar("T")


def _labelled(columns: dict[str, str]) -> list:
    return [literal_column(sql).label(name) for name, sql in columns.items()]


def _speaker(columns: dict[str, str]):
    """The lateral subquery `speaker`: these columns (SQL over `s`) of the quote's speaker."""
    speaker = select(*_labelled(columns)).select_from(_SPEAKERS).where(_SPEAKERS.c.id == Quote.speaker_id)
    return speaker.lateral("speaker")


# One text per quote: its NDJSON line, or its CSV rows (without the last line end).
_STATEMENTS = {
    "ndjson": select(literal_column(QUOTE_JSON))
    .select_from(Quote)
    .outerjoin(_speaker({"document": SPEAKER_JSON}), true()),
    "csv": select(literal_column(QUOTE_CSV))
    .select_from(Quote)
    .outerjoin(_speaker(SPEAKER_VALUES), true())
    .join(select(*_labelled(CSV_PARTS)).offset(literal_column("0")).lateral("parts"), true()),
}


def _matching(session: Session | None, args: dict) -> list:
    """The criteria (none without filters) of the quotes every filter of `GET /v1/quotes`
    lets through; `session` is needed only for a search (`q`)."""
    criteria = list_quotes(session, args).whereclause
    return [] if criteria is None else [criteria]


def count_quotes(session: Session, args: dict) -> int:
    """How many quotes an export with these filters writes."""
    return session.scalar(select(func.count()).select_from(Quote).where(*_matching(session, args)))


def export_query(session: Session | None, args: dict, fmt: str) -> Select:
    """The export's query: a text per matching quote in `fmt`, in id order."""
    return _STATEMENTS[fmt].where(*_matching(session, args)).order_by(Quote.id)


def quote_texts(session: Session, args: dict, fmt: str) -> Generator[list[str], None, None]:
    """The matching quotes as texts in `fmt`, in id order, a partition at a time (the
    first one smaller, so that sending starts sooner). From a server-side cursor in the
    session's transaction, so that memory stays flat and each FETCH is a statement with
    a deadline of its own however slow the client; through psycopg's own cursor, without
    SQLAlchemy's result layer; and read ahead, so that PostgreSQL fetches the next
    partition while the caller sends this one. Closing this generator stops the reader
    before it returns: close it before the session."""
    session.execute(NO_JIT)
    connection = session.connection()
    sql, params = driver_sql(export_query(session, args, fmt), connection.dialect)
    driver: psycopg.Connection = connection.connection.driver_connection
    cursor = driver.cursor("export", row_factory=scalar_row)
    try:
        cursor.execute(sql, params)
        yield from read_ahead(_partitions(cursor))
    finally:
        _close(cursor)
        # SQLAlchemy saw no error: told now that the server went away, it neither rolls
        # back on this connection (which would raise as the session closes) nor pools it.
        if driver.closed:
            connection.invalidate()


def _close(cursor: psycopg.ServerCursor) -> None:
    """Close the export's cursor. A CLOSE that fails (the connection lost as it ran) is
    logged, not raised: the session's rollback, or the connection's end, ends the cursor
    anyway, and whoever is closing the export goes on to close the session."""
    try:
        cursor.close()
    except psycopg.Error as error:
        log.warning("the export's cursor was not closed: %s", error)


def _partitions(cursor: psycopg.ServerCursor) -> Iterator[list[str]]:
    size = FIRST_PARTITION
    while texts := cursor.fetchmany(size):
        yield texts
        size = PARTITION


def read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """`items`, the first taken here and the others by a thread of their own (a greenlet
    under gevent, which patches threading), started when the caller asks for the second:
    a caller that takes one (a HEAD's first chunk) starts none. The thread keeps up to
    READ_AHEAD + 1 items ahead of the caller, so that memory stays bounded and a caller
    that stops taking stops it, and checks for a stop before taking each. What it
    raises is raised here. However this generator ends (exhausted, raising, or closed
    early), the thread is stopped and joined first, after the item it is taking (a
    FETCH runs to its end): whatever `items` uses is free again then."""
    first = next(items, _DONE)
    if first is _DONE:
        return
    yield first
    ahead = queue.Queue(READ_AHEAD)
    stopping = threading.Event()

    def take() -> None:
        try:
            while not stopping.is_set() and (item := next(items, _DONE)) is not _DONE:
                ahead.put(item)
        except BaseException as error:  # the caller ends with it: the body is cut short
            ahead.put(error)
        ahead.put(_DONE)

    reader = threading.Thread(target=take, name="read-ahead", daemon=True)
    reader.start()
    item = None
    try:
        while (item := ahead.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopping.set()
        while item is not _DONE:  # the reader stops after the item it is taking: take them
            item = ahead.get()
        reader.join()


def csv_header() -> str:
    """The first line of a CSV export."""
    return UTF8_BOM + csv_text([list(CSV_COLUMNS)])


def csv_text(rows) -> str:
    """Rows as the export writes CSV: every cell quoted, CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue()


def exported(session: Session, args: dict, fmt: str) -> Generator[tuple[str, int], None, None]:
    """(text, quotes in it) chunks of the export in `fmt`, the header first for CSV.
    Closing it closes `quote_texts`: close it before the session."""
    header = csv_header() if fmt == "csv" else ""  # sent with the first quotes: after the query ran
    end = LINE_END[fmt]
    with closing(quote_texts(session, args, fmt)) as partitions:
        for texts in partitions:
            yield header + end.join(texts) + end, len(texts)
            header = ""
    if header:
        yield header, 0
