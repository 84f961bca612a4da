"""Quotes out, in the import format: NDJSON (one `POST /v1/quotes` body per line) or the
import's CSV columns. Rows stream from a server-side cursor, a partition at a time."""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import Select, func, literal_column, select, text, true
from sqlalchemy.orm import Session

from service.exports.documents import CSV_PARTS, QUOTE_CSV, QUOTE_JSON, SPEAKER_JSON, SPEAKER_VALUES
from service.imports.formats import CSV_COLUMNS
from service.quotes.models import Quote
from service.quotes.services import list_quotes
from service.speakers.models import Speaker

FORMATS = ("ndjson", "csv")
PARTITION = 1000
UTF8_BOM = "\ufeff"  # spreadsheets read the file as UTF-8 only when it says so
LINE_END = {"ndjson": "\n", "csv": "\r\n"}
# JIT compiling the export's plan (its cost is in the millions at a million quotes) took
# a third of a second before the first row, and the time is in the text functions.
NO_JIT = text("SET LOCAL jit = off")
_SPEAKERS = Speaker.__table__.alias("s")


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


def quote_texts(session: Session, args: dict, fmt: str) -> Iterator[list[str]]:
    """The matching quotes as texts in `fmt`, in id order, a partition at a time,
    fetched from a server-side cursor so memory stays flat."""
    session.execute(NO_JIT)
    result = session.execute(export_query(session, args, fmt), execution_options={"yield_per": PARTITION})
    yield from result.scalars().partitions()


def csv_header() -> str:
    """The first line of a CSV export."""
    return UTF8_BOM + csv_text([list(CSV_COLUMNS)])


def csv_text(rows) -> str:
    """Rows as the export writes CSV: every cell quoted, CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue()


def exported(session: Session, args: dict, fmt: str) -> Iterator[tuple[str, int]]:
    """(text, quotes in it) chunks of the export in `fmt`, the header first for CSV."""
    header = csv_header() if fmt == "csv" else ""  # sent with the first quotes: after the query ran
    end = LINE_END[fmt]
    for texts in quote_texts(session, args, fmt):
        yield header + end.join(texts) + end, len(texts)
        header = ""
    if header:
        yield header, 0
