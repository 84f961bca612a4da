"""Loading quotes from NDJSON text in the caller's transaction (the demo data, test fixtures)."""

from collections.abc import Iterable

from sqlalchemy.orm import Session

from service.imports.formats import ndjson_records
from service.imports.report import ImportReport
from service.imports.services import ImportOptions, import_records


def import_lines(session: Session, lines: Iterable[str]) -> ImportReport:
    """Record every quote line in the session's transaction, which the caller commits.
    Lines are numbered from 1 and blank lines are skipped; failed lines are reported,
    not recorded."""
    report = ImportReport()
    for outcome in import_records(
        session, ndjson_records(enumerate(lines, start=1)), ImportOptions(), commit=False
    ):
        report.add(outcome)
    return report
