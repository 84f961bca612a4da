"""Quotes out, in the import format: NDJSON (one `POST /v1/quotes` body per line) or the
import's CSV columns. Rows stream from a server-side cursor, a partition at a time."""

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from service.imports.formats import CSV_COLUMNS, csv_rows
from service.quotes.models import Quote
from service.quotes.services import list_quotes

FORMATS = ("ndjson", "csv")
PARTITION = 1000
UTF8_BOM = "\ufeff"  # spreadsheets read the file as UTF-8 only when it says so
# A quote as an import line: its speaker by name and aliases, its sources by URL and
# metadata, nulls left out. Exported into an empty database it gives the same records.
QUOTE_DOCUMENT = literal_column(
    """json_strip_nulls(json_build_object(
    'text', quotes.text, 'lang', quotes.lang, 'kind', quotes.kind,
    'status', quotes.status, 'status_note', quotes.status_note,
    'speaker', (
        SELECT json_build_object(
            'name', s.name, 'kind', s.kind, 'wikidata_id', s.wikidata_id,
            'aliases', ARRAY(SELECT a.alias FROM speaker_aliases a
                             WHERE a.speaker_id = s.id AND a.alias <> s.name ORDER BY a.id),
            'roles', ARRAY(SELECT json_build_object('title', r.title, 'organisation', r.organisation,
                                                    'from', r.started_on, 'to', r.ended_on)
                           FROM speaker_roles r WHERE r.speaker_id = s.id ORDER BY r.id))
        FROM speakers s WHERE s.id = quotes.speaker_id),
    'speaker_description', quotes.speaker_description, 'speaker_role', quotes.speaker_role,
    'said_on', quotes.said_on, 'said_on_precision', quotes.said_on_precision,
    'context', quotes.context, 'topics', quotes.topics,
    'translations', ARRAY(
        SELECT json_build_object('lang', t.lang, 'text', t.text, 'translator', t.translator)
        FROM translations t WHERE t.quote_id = quotes.id ORDER BY t.id),
    'citations', ARRAY(
        SELECT json_build_object(
            'source', json_build_object(
                'url', src.url, 'title', src.title, 'publisher', src.publisher, 'agency', src.agency,
                'authors', src.authors, 'published_at', src.published_at, 'lang', src.lang,
                'kind', src.kind),
            'printed_text', c.printed_text, 'attribution', c.attribution, 'via', c.via)
        FROM citations c JOIN sources src ON src.id = c.source_id
        WHERE c.quote_id = quotes.id ORDER BY c.id)))::text"""
)


def _matching(session: Session, args: dict):
    """The ids of the quotes every filter of `GET /v1/quotes` lets through."""
    matching = list_quotes(session, args).subquery()
    return Quote.id.in_(select(matching.c.id))


def count_quotes(session: Session, args: dict) -> int:
    """How many quotes an export with these filters writes."""
    return session.scalar(select(func.count()).select_from(Quote).where(_matching(session, args)))


def quote_documents(session: Session, args: dict) -> Iterator[list[str]]:
    """The matching quotes as import lines (JSON text), in id order, a partition at a time,
    fetched from a server-side cursor so memory stays flat."""
    stmt = select(QUOTE_DOCUMENT).select_from(Quote).where(_matching(session, args)).order_by(Quote.id)
    result = session.execute(stmt, execution_options={"yield_per": PARTITION})
    yield from result.scalars().partitions()


def ndjson_text(documents: list[str]) -> str:
    """Quotes as NDJSON lines."""
    return "".join(document + "\n" for document in documents)


def csv_header() -> str:
    """The first line of a CSV export."""
    return UTF8_BOM + csv_text([list(CSV_COLUMNS)])


def csv_from_documents(documents: list[str]) -> str:
    """Quotes as CSV rows (one per citation; see `service.imports.formats.csv_rows`)."""
    return csv_text(row for document in documents for row in csv_rows(json.loads(document)))


def csv_text(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue()


def exported(session: Session, args: dict, fmt: str) -> Iterator[tuple[str, int]]:
    """(text, quotes in it) chunks of the export in `fmt`, the header first for CSV."""
    header = csv_header() if fmt == "csv" else ""  # sent with the first quotes: after the query ran
    render = csv_from_documents if fmt == "csv" else ndjson_text
    for documents in quote_documents(session, args):
        yield header + render(documents), len(documents)
        header = ""
    if header:
        yield header, 0
