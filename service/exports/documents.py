"""The SQL that writes an exported quote as text in PostgreSQL: its NDJSON line, or its
CSV rows. Python then only joins the texts (the export's rate is the query's).

Objects are written compact and without their null members, as
`json_strip_nulls(json_build_object(...))::text` writes them, but in one pass:
`concat_ws` leaves out the members whose value is NULL, so nothing is parsed again.
The CSV rows are `csv_rows` of the quote's NDJSON line, quoted as `csv.QUOTE_ALL`
writes them; tests/exports/test_bytes.py holds both to the Python definitions.
(No `%` anywhere: the SQL goes into SQLAlchemy statements.)"""

from service.imports.formats import (
    CITATION_COLUMNS,
    FORMULA,
    LIST_SEPARATOR,
    QUOTE_COLUMNS,
    RISKY_FIRST,
    TRANSLATION_COLUMNS,
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_object(*members: tuple[str, str], separators: tuple[str, str] = (",", ":")) -> str:
    """SQL for a JSON object of (key, SQL giving the value's JSON or NULL) members, the
    NULL ones left out; `separators` as Python's `json.dumps` takes them."""
    item, key = separators
    pairs = ", ".join(_literal('"' + name + '"' + key) + " || " + value for name, value in members)
    return f"'{{' || concat_ws({_literal(item)}, {pairs}) || '}}'"


def json_array(select: str, separator: str = ",") -> str:
    """SQL for a JSON array of the values (JSON text) that `select` gives."""
    return f"'[' || array_to_string(ARRAY({select}), {_literal(separator)}) || ']'"


def as_json(column: str) -> str:
    """SQL for a column's value as JSON text (NULL for NULL)."""
    return f"to_json({column})"


def _roles(separators: tuple[str, str]) -> str:
    role = json_object(
        ("title", as_json("r.title")),
        ("organisation", as_json("r.organisation")),
        ("from", as_json("r.started_on")),
        ("to", as_json("r.ended_on")),
        separators=separators,
    )
    roles = f"SELECT {role} FROM speaker_roles r WHERE r.speaker_id = s.id ORDER BY r.id"
    return json_array(roles, separators[0])


_ALIASES = (
    "ARRAY(SELECT a.alias FROM speaker_aliases a WHERE a.speaker_id = s.id AND a.alias <> s.name"
    " ORDER BY a.id)"
)
_CITED = (
    "FROM citations c JOIN sources src ON src.id = c.source_id WHERE c.quote_id = quotes.id ORDER BY c.id"
)
_TRANSLATED = "FROM translations t WHERE t.quote_id = quotes.id ORDER BY t.id"
_SOURCE_FIELDS = ("url", "title", "publisher", "agency", "authors", "published_at", "lang", "kind")

# The speaker (`s`) of the quote, for the lateral subquery `speaker` (its `document`).
# A speaker says many quotes, and PostgreSQL keeps what it made for one (a Memoize
# node) instead of making it again.
SPEAKER_JSON = json_object(
    ("name", as_json("s.name")),
    ("kind", as_json("s.kind")),
    ("wikidata_id", as_json("s.wikidata_id")),
    ("aliases", as_json(_ALIASES)),
    ("roles", _roles((",", ":"))),
)
# A quote as an import line: its speaker by name and aliases, its sources by URL and
# metadata, nulls left out. Exported into an empty database it gives the same records.
QUOTE_JSON = json_object(
    *[(name, as_json(f"quotes.{name}")) for name in ("text", "lang", "kind", "status", "status_note")],
    ("speaker", "speaker.document"),
    *[
        (name, as_json(f"quotes.{name}"))
        for name in (
            "speaker_description",
            "speaker_role",
            "said_on",
            "said_on_precision",
            "context",
            "topics",
        )
    ],
    (
        "translations",
        json_array(
            "SELECT "
            + json_object(*[(name, as_json(f"t.{name}")) for name in ("lang", "text", "translator")])
            + f" {_TRANSLATED}"
        ),
    ),
    (
        "citations",
        json_array(
            "SELECT "
            + json_object(
                ("source", json_object(*[(name, as_json(f"src.{name}")) for name in _SOURCE_FIELDS])),
                *[(name, as_json(f"c.{name}")) for name in ("printed_text", "attribution", "via")],
            )
            + f" {_CITED}"
        ),
    ),
)


def csv_cell(value: str) -> str:
    """SQL for a value (text, or NULL for an empty cell) as the inside of an exported CSV
    cell: after a single quote if a spreadsheet would run it (`FORMULA`; the regular
    expression only for a risky first character, as `_cell` does), quotes doubled."""
    risky_first = ", ".join(str(ord(character)) for character in sorted(RISKY_FIRST))
    formula = _literal(f"^{FORMULA.pattern}")
    value = f"({value})"
    cell = (
        f"CASE WHEN ascii({value}) IN ({risky_first}) AND {value} ~ {formula} THEN '''' || {value}"
        f" ELSE coalesce({value}, '') END"
    )
    return f"""replace({cell}, '"', '""')"""


_CELL_SEPARATOR = '","'


def _csv_cells(cells: dict[str, str], columns: tuple[str, ...]) -> str:
    """SQL for these cells joined: the inside of their part of a row, written in one pass."""
    return f"concat_ws({_literal(_CELL_SEPARATOR)}, {', '.join(cells[name] for name in columns)})"


def _joined(array: str) -> str:
    return f"array_to_string({array}, {_literal(LIST_SEPARATOR)})"


def _as_string(column: str) -> str:
    """A date or timestamp as its JSON string (ISO 8601), unquoted."""
    return f"to_json({column}) #>> '{{}}'"


def _empty_cells(columns: tuple[str, ...]) -> str:
    return _literal(_CELL_SEPARATOR.join([""] * len(columns)))


# The speaker's values in the CSV, the columns of the lateral subquery `speaker` (see
# `SPEAKER_JSON`); the roles as Python's `json.dumps` writes them.
SPEAKER_VALUES = {
    "speaker": "s.name",
    "speaker_aliases": _joined(_ALIASES),
    "speaker_wikidata_id": "s.wikidata_id",
    "speaker_kind": "s.kind",
    "speaker_roles": f"NULLIF({_roles((', ', ': '))}, '[]')",
}
_QUOTE_VALUES = (
    {name: f"quotes.{name}" for name in QUOTE_COLUMNS if name not in SPEAKER_VALUES}
    | {
        "said_on": _as_string("quotes.said_on"),
        "topics": _joined("quotes.topics"),
    }
    | {name: f"speaker.{name}" for name in SPEAKER_VALUES}
)
_QUOTE_CELLS = {name: csv_cell(value) for name, value in _QUOTE_VALUES.items()}
_CITATION_VALUES = (
    {name: f"src.{name.removeprefix('source_')}" for name in CITATION_COLUMNS if name.startswith("source_")}
    | {
        name: f"c.{name.removeprefix('citation_')}"
        for name in CITATION_COLUMNS
        if name.startswith("citation_")
    }
    | {"source_authors": _joined("src.authors"), "source_published_at": _as_string("src.published_at")}
)
_CITATION_CELLS = {name: csv_cell(value) for name, value in _CITATION_VALUES.items()}
_TRANSLATION_CELLS = {
    name: csv_cell(f"t.{name.removeprefix('translation_')}") for name in TRANSLATION_COLUMNS
}
# The lateral subquery `parts` of a quote: its own cells (`head`), and each citation's
# and translation's (`cited`, `translated`), in the order of CSV_COLUMNS. (Fenced with
# OFFSET 0: PostgreSQL would otherwise copy each expression to where it is used, and
# query the citations once for each.)
CSV_PARTS = {
    "head": _csv_cells(_QUOTE_CELLS, QUOTE_COLUMNS),
    "cited": f"ARRAY(SELECT {_csv_cells(_CITATION_CELLS, CITATION_COLUMNS)} {_CITED})",
    "translated": f"ARRAY(SELECT {_csv_cells(_TRANSLATION_CELLS, TRANSLATION_COLUMNS)} {_TRANSLATED})",
}


def _row(n: str) -> str:
    """SQL for the n-th CSV row of the quote: its cells, the n-th citation's (the first
    one's past the last), the n-th translation's."""
    cited = f"coalesce(parts.cited[{n}], parts.cited[1], {_empty_cells(CITATION_COLUMNS)})"
    translated = f"coalesce(parts.translated[{n}], {_empty_cells(TRANSLATION_COLUMNS)})"
    return f"""'"' || parts.head || '","' || {cited} || '","' || {translated} || '"'"""


_ROWS = "greatest(cardinality(parts.cited), cardinality(parts.translated))"
# A quote's CSV rows (`csv_rows`), joined by CRLF: one per citation, the n-th
# translation on the n-th row. Most quotes have one row: made without a subquery.
QUOTE_CSV = f"""CASE WHEN {_ROWS} <= 1 THEN {_row("1")} ELSE (
  SELECT string_agg({_row("n")}, E'\\r\\n' ORDER BY n) FROM generate_series(1, {_ROWS}) n) END"""
