"""The import formats, read incrementally from a byte stream, one numbered record at a time.

- NDJSON: one `POST /v1/quotes` body per line.
- CSV: a header naming some of `CSV_COLUMNS`, then one quote per row; lists inside a
  cell (`speaker_aliases`, `topics`) are separated by `|`.

Records are numbered by the line they start on, counting from 1 (a CSV header is line
1). A line that cannot be read (too long, not UTF-8, not JSON, the wrong number of
cells) becomes a record with `errors`, and reading goes on.
"""

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from service.imports.report import ImportStopped
from service.resources import LoneSurrogates, UnreadableJson, load_json

NDJSON = "application/x-ndjson"
CSV = "text/csv"
GZIP = ("gzip", "x-gzip")
ENCODINGS = ("identity", *GZIP)  # the `Content-Encoding`s an import body may have
MAX_LINE_BYTES = 1024 * 1024  # one line is one quote: the limit of one `POST /v1/quotes` body
LIST_SEPARATOR = "|"
CSV_COLUMNS = (
    "text",
    "lang",
    "kind",
    "speaker",
    "speaker_aliases",
    "speaker_wikidata_id",
    "speaker_kind",
    "speaker_roles",
    "speaker_description",
    "speaker_role",
    "said_on",
    "said_on_precision",
    "context",
    "status",
    "status_note",
    "topics",
    "source_url",
    "source_title",
    "source_publisher",
    "source_agency",
    "source_authors",
    "source_published_at",
    "source_lang",
    "source_kind",
    "citation_printed_text",
    "citation_attribution",
    "citation_via",
    "translation_lang",
    "translation_text",
    "translation_translator",
)
REQUIRED_CSV_COLUMNS = ("text", "lang", "kind")
_QUOTE_CELLS = (
    "text",
    "lang",
    "kind",
    "speaker_description",
    "speaker_role",
    "said_on",
    "said_on_precision",
    "context",
    "status",
    "status_note",
)
_SPEAKER_CELLS = ("wikidata_id", "kind")
_SOURCE_CELLS = ("url", "title", "publisher", "agency", "published_at", "lang", "kind")
_CITATION_CELLS = ("printed_text", "attribution", "via")
_TRANSLATION_CELLS = ("lang", "text", "translator")
# OWASP's CSV injection advice: a cell a spreadsheet would run as a formula (it starts
# with = + - @, a tab or a carriage return) is written after a single quote. A cell that
# already starts with quotes before one of those gets one more, so reading drops
# exactly one and every cell comes back as it was.
FORMULA = re.compile(r"'*[=+\-@\t\r]")
RISKY_FIRST = frozenset("'=+-@\t\r")
# The columns of a quote (and its speaker), then of a citation, then of a translation.
QUOTE_COLUMNS = tuple(c for c in CSV_COLUMNS if not c.startswith(("source_", "citation_", "translation_")))
CITATION_COLUMNS = tuple(c for c in CSV_COLUMNS if c.startswith(("source_", "citation_")))
TRANSLATION_COLUMNS = tuple(c for c in CSV_COLUMNS if c.startswith("translation_"))
_READ_SIZE = 64 * 1024
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)  # what reading a broken gzip stream raises


class FormatError(ValueError):
    """The body cannot be read at all (a CSV header naming unknown columns, say)."""


@dataclass(frozen=True)
class Record:
    """One quote as read: its line number, and its body or why it could not be read."""

    line: int
    body: dict | None = None
    errors: dict | None = None


Lines = Iterable[tuple[int, str | None]]  # numbered text lines; None for an unreadable one


def read_records(stream: BinaryIO, mimetype: str, encoding: str | None = None) -> Iterator[Record]:
    """The records of an NDJSON or CSV body, gzip-compressed if `encoding` says so
    (a `Content-Encoding` of `gzip`; see `ENCODINGS`)."""
    if encoding in GZIP:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    buffered = io.BufferedReader(stream, _READ_SIZE) if isinstance(stream, io.RawIOBase) else stream
    lines = numbered_lines(buffered)
    return ndjson_records(lines) if mimetype == NDJSON else csv_records(lines)


def numbered_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str | None]]:
    """(number, text) for every line; text is None for a line that is too long or
    not UTF-8 (the rest of a long line is skipped, never held)."""
    number = 0
    while line := _readline(stream, max_bytes + 1, number + 1):
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            _skip_rest_of_line(stream, number)
            yield number, None
            continue
        try:
            text = line.decode()
        except UnicodeDecodeError:
            yield number, None
            continue
        yield number, text.lstrip("\ufeff") if number == 1 else text


def _readline(stream: BinaryIO, size: int, number: int) -> bytes:
    """The next line; `ImportStopped` at line `number` if the stream cannot be decompressed."""
    try:
        return stream.readline(size)
    except GZIP_ERRORS as error:
        raise not_gzip(number, error) from None


def not_gzip(number: int, error: Exception) -> ImportStopped:
    """An import stopping at line `number`: the body (or file) cannot be decompressed
    from there on (`error`, one of GZIP_ERRORS, says why)."""
    return ImportStopped(number, f"Not valid gzip from this line on ({error}).")


def _skip_rest_of_line(stream: BinaryIO, number: int) -> None:
    while (chunk := _readline(stream, _READ_SIZE, number)) and not chunk.endswith(b"\n"):
        pass


def unreadable(max_bytes: int = MAX_LINE_BYTES) -> dict:
    """The error of a line `numbered_lines` could not give as text."""
    return {"_line": [f"Not a UTF-8 line of at most {max_bytes} bytes."]}


def ndjson_records(lines: Lines) -> Iterator[Record]:
    """One record per non-blank line, each a JSON object."""
    for number, text in lines:
        if text is None:
            yield Record(number, errors=unreadable())
        elif text.strip():
            yield _json_record(number, text)


def _json_record(number: int, text: str) -> Record:
    try:
        body = load_json(text)
    except json.JSONDecodeError as error:
        reason = error.msg.removesuffix(" at")
        return Record(number, errors={"_line": [f"Not JSON: {reason} at column {error.colno}."]})
    except UnreadableJson as error:
        return Record(number, errors={"_line": [f"JSON that cannot be read: {error}."]})
    except LoneSurrogates as error:
        return Record(number, errors=error.errors)
    if not isinstance(body, dict):
        return Record(number, errors={"_line": ["A line must be one JSON object."]})
    return Record(number, body)


def csv_records(lines: Lines) -> Iterator[Record]:
    """One record per CSV row after the header; blank rows are skipped. The header is
    read at once: `FormatError` if it is missing or names unknown columns."""
    rejected: set[int] = set()
    reader = csv.reader(_csv_lines(lines, rejected), strict=True)
    return _csv_rows(reader, _header(reader), rejected)


def _csv_rows(reader, header: list[str], rejected: set[int]) -> Iterator[Record]:
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(start, errors={"_line": [f"Not CSV: {error}.{_took(start, reader.line_num)}"]})
        else:
            if start in rejected:
                yield Record(start, errors=unreadable())
            elif row:
                yield _csv_record(start, reader.line_num, header, row)
        start = reader.line_num + 1


def _took(start: int, end: int) -> str:
    """What a row read across several lines says about a quote opened and never closed."""
    if end <= start:
        return ""
    return (
        f" A quoted cell opens on line {start} and is not closed where it should be: it took lines"
        f" {start} to {end} with it. Close the quote (a quote inside a quoted cell is written twice)"
        " and import those lines again."
    )


def _csv_lines(lines: Lines, rejected: set[int]) -> Iterator[str]:
    """The text lines for `csv.reader`; an unreadable line becomes an empty row and its
    number goes into `rejected`."""
    for number, text in lines:
        if text is None:
            rejected.add(number)
            yield "\n"
        else:
            yield text


def _header(reader) -> list[str]:
    try:
        header = next((row for row in reader if row), None)
    except csv.Error as error:
        raise FormatError(f"The CSV header cannot be read: {error}.") from None
    if header is None:
        raise FormatError("The CSV body is empty: it needs a header line.")
    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in CSV_COLUMNS]
    if unknown:
        raise FormatError(
            f"Unknown CSV columns: {', '.join(unknown)}. The columns are {', '.join(CSV_COLUMNS)}."
        )
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in names]
    if missing or len(set(names)) != len(names):
        raise FormatError(f"The CSV header must name {', '.join(REQUIRED_CSV_COLUMNS)}, each column once.")
    return names


def _csv_record(number: int, last_line: int, header: list[str], row: list[str]) -> Record:
    if len(row) != len(header):
        shape = f"Has {len(row)} cells; the header has {len(header)}.{_took(number, last_line)}"
        return Record(number, errors={"_line": [shape]})
    return Record(number, csv_body(dict(zip(header, row, strict=True))))


def csv_body(row: dict[str, str]) -> dict:
    """The `POST /v1/quotes` body one CSV row stands for; empty cells are left out."""
    cells = {name: _restored(value.strip()) for name, value in row.items() if value.strip()}
    body = {name: cells[name] for name in _QUOTE_CELLS if name in cells}
    if "topics" in cells:
        body["topics"] = _split(cells["topics"])
    speaker = {
        "name": cells.get("speaker"),
        "aliases": _split(cells.get("speaker_aliases", "")),
        "roles": _json_cell(cells.get("speaker_roles")),
    } | _prefixed(cells, "speaker", _SPEAKER_CELLS)
    if any(speaker.values()):
        body["speaker"] = {key: value for key, value in speaker.items() if value}
    source = _prefixed(cells, "source", _SOURCE_CELLS)
    if "source_authors" in cells:
        source["authors"] = _split(cells["source_authors"])
    citation = _prefixed(cells, "citation", _CITATION_CELLS)
    if source or citation:
        body["citations"] = [{"source": source} | citation]
    if translation := _prefixed(cells, "translation", _TRANSLATION_CELLS):
        body["translations"] = [translation]
    return body


def _prefixed(cells: dict[str, str], prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    return {name: cells[f"{prefix}_{name}"] for name in names if f"{prefix}_{name}" in cells}


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _json_cell(cell: str | None):
    """A cell holding JSON (`speaker_roles`), parsed; as it is if it is not JSON, for
    the schema to refuse."""
    if cell is None:
        return None
    try:
        return load_json(cell)
    except ValueError:
        return cell


def _cell(value) -> str:
    """A value as exported: empty for nothing, after a single quote if a spreadsheet
    would run it."""
    if not value:
        return ""
    cell = value if isinstance(value, str) else str(value)
    return "'" + cell if cell[0] in RISKY_FIRST and FORMULA.match(cell) else cell


def _restored(cell: str) -> str:
    """The cell as it was before `_cell`."""
    return cell[1:] if cell.startswith("'") and FORMULA.match(cell, 1) else cell


def csv_rows(quote: dict) -> Iterator[list[str]]:
    """The CSV rows of one quote in the import format: one per citation, the n-th
    translation on the n-th row (a re-import merges the rows back into one quote).
    The quote's own cells are made once, then each citation's and translation's."""
    citations, translations = quote.get("citations") or [], quote.get("translations") or []
    speaker = quote.get("speaker") or {}
    roles = speaker.get("roles")
    values = {name: quote.get(name) for name in _QUOTE_CELLS} | {
        "speaker": speaker.get("name"),
        "speaker_aliases": LIST_SEPARATOR.join(speaker.get("aliases") or ()),
        "speaker_roles": json.dumps(roles, ensure_ascii=False) if roles else None,
        "topics": LIST_SEPARATOR.join(quote.get("topics") or ()),
    }
    values |= {f"speaker_{name}": speaker.get(name) for name in _SPEAKER_CELLS}
    head = [_cell(values[name]) for name in QUOTE_COLUMNS]
    cited = [_citation_cells(citation) for citation in citations] or [_citation_cells({})]
    translated = [
        [_cell(t.get(name.removeprefix("translation_"))) for name in TRANSLATION_COLUMNS]
        for t in translations
    ]
    untranslated = [""] * len(_TRANSLATION_CELLS)
    for n in range(max(len(cited), len(translated))):
        citation = cited[n] if n < len(cited) else cited[0]
        yield head + citation + (translated[n] if n < len(translated) else untranslated)


def _citation_cells(citation: dict) -> list[str]:
    source = citation.get("source") or {}
    values = {f"source_{name}": source.get(name) for name in _SOURCE_CELLS}
    values["source_authors"] = LIST_SEPARATOR.join(source.get("authors") or ())
    values |= {f"citation_{name}": citation.get(name) for name in _CITATION_CELLS}
    return [_cell(values[name]) for name in CITATION_COLUMNS]
