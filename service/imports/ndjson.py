"""Loading quotes from NDJSON, one `POST /v1/quotes` body per line."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import marshmallow as ma
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from service.quotes.schemas import QuoteInSchema
from service.quotes.services import record_quote


@dataclass
class ImportReport:
    """What happened to each line: created, matched, or failed with its field errors."""

    created: int = 0
    matched: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)

    def fail(self, line: int, errors: dict) -> None:
        self.failed += 1
        self.errors.append({"line": line, "errors": errors})


def import_lines(session: Session, lines: Iterable[str]) -> ImportReport:
    """Record every quote line in the session's transaction; lines are numbered from 1
    and blank lines are skipped. Failed lines are reported, not recorded."""
    schema = QuoteInSchema()
    report = ImportReport()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = schema.load(json.loads(line))
            with session.begin_nested():
                _, created = record_quote(session, data)
        except json.JSONDecodeError as error:
            report.fail(number, {"_line": [f"Not JSON: {error.msg} at column {error.colno}."]})
        except ma.ValidationError as error:
            report.fail(number, error.normalized_messages())
        except HTTPException as error:
            report.fail(
                number,
                (getattr(error, "data", None) or {}).get("errors")
                or {"_line": [(getattr(error, "data", None) or {}).get("message", error.description)]},
            )
        else:
            report.created += created
            report.matched += not created
    return report
