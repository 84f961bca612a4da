"""Running an import: validate each line, merge batch by batch, commit as the mode says.

- `batch` (the default): each batch is committed before its outcomes are reported,
  so an interrupted import leaves every reported batch whole and nothing else.
- `atomic`: one transaction; the first failed line stops the import and nothing is written.
- `dry_run`: everything is checked and merged, then rolled back.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import marshmallow as ma
import psycopg
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.imports.formats import Record
from service.imports.merge import Line, merge_batch
from service.imports.quick import quick_load
from service.imports.report import FAILED, ImportReport, ImportStopped, Outcome
from service.quotes.schemas import QuoteInSchema

MODES = ("batch", "atomic")
DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000
ATTEMPTS = 3  # of a batch chosen as a deadlock's victim
RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
UNEXPECTED = "An unexpected error stopped the import; it was logged."
UNCHECKED = {"_line": ["This line could not be checked: an unexpected error, which was logged."]}
REFUSED = {"_line": ["The database refused this line: it conflicts with a record on file."]}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOptions:
    """How to run an import (the query arguments of `POST /v1/imports`)."""

    mode: str = "batch"
    batch_size: int = DEFAULT_BATCH_SIZE
    dry_run: bool = False


def import_records(
    session: Session, records: Iterable[Record], options: ImportOptions, commit: bool = True
) -> Iterator[Outcome]:
    """Import `records`, yielding each line's outcome in line order, a batch at a time.

    With `commit=False` the caller owns the transaction: batches are neither committed
    nor rolled back here. Raises `ImportStopped` when the import cannot go on (the
    first failed line in atomic mode; the database no longer answering).
    """
    writes = commit and not options.dry_run
    batches = _batches(records, options.batch_size)
    for batch in batches:
        try:
            outcomes = _import_batch(session, batch)
        except (psycopg.OperationalError, OperationalError) as error:
            log.error("import stopped at line %s: %s", batch[0].line, error)
            raise ImportStopped(batch[0].line, "The database stopped answering.") from None
        except Exception:  # a bug: the report still says where the import stopped
            log.exception("import stopped at line %s", batch[0].line)
            if commit and options.mode == "atomic":
                session.rollback()
            raise ImportStopped(batch[0].line, UNEXPECTED) from None
        failed = next((o for o in outcomes if o.status == FAILED), None)
        if failed and options.mode == "atomic" and not options.dry_run:
            yield from (o for o in outcomes if o.line <= failed.line)
            if commit:
                session.rollback()
            raise ImportStopped(failed.line, "A line failed: with mode=atomic nothing was written.")
        if writes and options.mode == "batch":
            session.commit()
        yield from outcomes
    if writes and options.mode == "atomic":
        session.commit()
    elif commit and options.dry_run:
        session.rollback()


def run_import(session: Session, records: Iterable[Record], options: ImportOptions) -> ImportReport:
    """Import everything and sum the outcomes up in a report."""
    report = ImportReport()
    try:
        for outcome in import_records(session, records, options):
            report.add(outcome)
    except ImportStopped as stopped:
        report.stop(stopped, rolled_back=options.mode == "atomic")
    return report


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    """The records, `size` at a time; if the body stops being readable, the lines read
    before that point still make their batch."""
    batch, stopped = [], None
    try:
        for record in records:
            batch.append(record)
            if len(batch) == size:
                yield batch
                batch = []
    except ImportStopped as error:
        stopped = error
    if batch:
        yield batch
    if stopped:
        raise stopped


def _import_batch(session: Session, batch: list[Record]) -> list[Outcome]:
    lines, failed = _validated(batch)
    return sorted(failed + _merged(session, lines), key=lambda outcome: outcome.line)


def _validated(batch: list[Record]) -> tuple[list[Line], list[Outcome]]:
    """The lines that are valid quote bodies, and a failed outcome for every other (the
    quick check takes the plainly valid ones; the schema the rest)."""
    schema = QuoteInSchema()
    lines, failed = [], []
    for record in batch:
        if record.errors:
            failed.append(Outcome(record.line, FAILED, errors=record.errors))
            continue
        try:
            data = quick_load(record.body)
            lines.append(Line(record.line, schema.load(record.body) if data is None else data))
        except ma.ValidationError as error:
            failed.append(Outcome(record.line, FAILED, errors=error.normalized_messages()))
        except Exception:  # a bug: this line fails, the others go on
            log.exception("import line %s could not be checked", record.line)
            failed.append(Outcome(record.line, FAILED, errors=UNCHECKED))
    return lines, failed


def _merged(session: Session, lines: list[Line]) -> list[Outcome]:
    """Merge the lines as one batch; if the database refuses the batch, merge them one
    by one so that only the offending lines fail."""
    if not lines:
        return []
    try:
        return _merge_in_savepoint(session, lines)
    except psycopg.OperationalError:
        raise
    except psycopg.Error as error:
        log.warning("import batch from line %s refused, retrying line by line: %s", lines[0].number, error)
    return [outcome for line in lines for outcome in _merged_alone(session, line)]


def _merged_alone(session: Session, line: Line) -> list[Outcome]:
    try:
        return _merge_in_savepoint(session, [line])
    except psycopg.OperationalError:
        raise
    except psycopg.Error as error:
        log.warning("import line %s refused: %s", line.number, error)
        return [Outcome(line.number, FAILED, errors=REFUSED)]


def _merge_in_savepoint(session: Session, lines: list[Line]) -> list[Outcome]:
    """Merge in a savepoint; chosen as a deadlock's victim (imports and requests lock
    the same names and quotes), roll the savepoint back, which frees its locks for the
    other side, and merge again."""
    attempt = 1
    while True:
        try:
            with session.begin_nested():
                connection = session.connection().connection.dbapi_connection
                return merge_batch(connection, lines, session.info.get("actor"))
        except RETRYABLE as error:
            if attempt == ATTEMPTS:
                raise
            attempt += 1
            log.warning("import lines from %s: %s; merging again", lines[0].number, error)
