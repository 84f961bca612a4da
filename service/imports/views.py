"""/v1/imports: bulk import of quotes from NDJSON or CSV, streamed in and reported per line."""

import json
from collections.abc import Iterable, Iterator

import flask
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.orm import Session

from service import db
from service.api import accepts
from service.auth.access import resolved_key
from service.imports import idempotency
from service.imports.formats import CSV, ENCODINGS, NDJSON, FormatError, Record, read_records
from service.imports.report import ImportReport, ImportStopped
from service.imports.schemas import ImportArgsSchema, ImportHeadersSchema, ImportReportSchema
from service.imports.services import ImportOptions, import_records, run_import
from service.imports.streaming import streamed
from service.resources import Blueprint

MAX_IMPORT_BYTES = 10 * 1024**3  # the body streams through: this bounds time, not memory
FILE = {"type": "string", "format": "binary"}
REPORTED = "The report; with `Accept: application/x-ndjson`, each line's outcome, streamed"
STREAMED_REPORT = {
    "description": 'One outcome per line, sent as each batch is done: `{"line", "status", "id"}` or '
    '`{"line", "status": "failed", "errors"}`; then `{"report": {...}}`',
}

blp = Blueprint(
    "imports", __name__, url_prefix="/v1/imports", description="Bulk import of quotes from NDJSON or CSV."
)


@blp.route("")
class Imports(MethodView):
    @db.long_statements
    @accepts(NDJSON, CSV)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(ImportHeadersSchema, location="headers")
    @blp.response(200, ImportReportSchema, description=REPORTED)
    @blp.alt_response(
        200,
        schema=STREAMED_REPORT,
        content_type=NDJSON,
        description=REPORTED,
    )
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                # A file's bytes (`binary`): what clients send, and what generators can send.
                NDJSON: {"schema": {**FILE, "description": "One POST /v1/quotes body per line"}},
                CSV: {"schema": {**FILE, "description": "A header line, then one quote per row"}},
            },
        },
    )
    def post(self, args, headers):
        """Import quotes from NDJSON or CSV.

        The same statement by the same speaker is matched, not duplicated, so re-running
        an import changes nothing. Each line is reported: created, matched, or failed
        with its field errors."""
        flask.request.max_content_length = MAX_IMPORT_BYTES
        if (flask.request.content_encoding or "identity") not in ENCODINGS:
            abort(415, message=f"Send the body as it is or compressed with gzip ({', '.join(ENCODINGS)}).")
        options = ImportOptions(**args)
        session, request = db.session(), flask.request
        if key := headers.get("idempotency_key"):
            return _idempotent_import(session, key, options)
        records = _records(request.stream, request.mimetype)
        if request.accept_mimetypes.best_match(["application/json", NDJSON]) == NDJSON:
            return _streamed_report(session, records, options)
        return _counted(run_import(session, records, options).as_dict())


def _counted(report: dict) -> dict:
    from service import metrics  # see service.metrics: imported in the workers only

    metrics.count_import(report)
    return report


def _records(stream, mimetype: str) -> Iterator[Record]:
    try:
        return read_records(stream, mimetype, flask.request.content_encoding)
    except FormatError as error:
        abort(422, message=str(error))


def _idempotent_import(session: Session, key: str, options: ImportOptions):
    """The stored report of an earlier request with this key, or a new import stored under it."""
    request, api_key_id = flask.request, resolved_key().id  # a write needs a key
    with idempotency.spooled(request.stream, options, request.mimetype) as (body, fingerprint):
        stored = idempotency.stored_report(session, api_key_id, key, fingerprint)
        if stored is not None:
            return stored, 200, {"Idempotent-Replayed": "true"}
        report = _counted(run_import(session, _records(body, request.mimetype), options).as_dict())
    if "stopped_at" not in report:
        idempotency.store_report(session, api_key_id, key, fingerprint, report)
    return report


def _streamed_report(session: Session, records: Iterable[Record], options: ImportOptions) -> flask.Response:
    """Each line's outcome as NDJSON, a batch at a time, then the report."""

    def lines() -> Iterator[str]:
        report, pending = ImportReport(), []
        try:
            for outcome in import_records(session, records, options):
                report.add(outcome)
                pending.append(json.dumps(outcome.as_dict(), ensure_ascii=False) + "\n")
                if len(pending) >= options.batch_size:
                    yield "".join(pending)
                    pending.clear()
        except ImportStopped as stopped:
            report.stop(stopped, rolled_back=options.mode == "atomic")
        summary = _counted(report.as_dict())
        yield "".join(pending) + json.dumps({"report": summary}, ensure_ascii=False) + "\n"

    return streamed(lines(), NDJSON)
