"""Import options, the report, and the per-line outcome of a streamed report."""

import marshmallow as ma

from service import fields as f
from service.imports.services import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MODES

IDEMPOTENCY_KEY = "Idempotency-Key"


class ImportArgsSchema(ma.Schema):
    """How to run the import."""

    mode = f.one_of(
        MODES,
        load_default="batch",
        metadata={"description": "batch: commit every batch_size lines; atomic: all or nothing"},
    )
    batch_size = f.QueryInteger(
        load_default=DEFAULT_BATCH_SIZE,
        validate=ma.validate.Range(1, MAX_BATCH_SIZE),
        metadata={"description": "Lines per batch (and per commit in batch mode)"},
    )
    dry_run = ma.fields.Boolean(
        load_default=False, metadata={"description": "Check and report, then roll everything back"}
    )


class ImportHeadersSchema(ma.Schema):
    """Request headers the import reads."""

    idempotency_key = ma.fields.String(
        data_key=IDEMPOTENCY_KEY,
        validate=[
            ma.validate.Length(1, 255),
            ma.validate.Regexp(r"^[\x21-\x7e]+$", error="Printable ASCII without spaces, please."),
        ],
        metadata={"description": "Repeat a request with the same key and body to get its report again"},
    )


class LineErrorsSchema(ma.Schema):
    """A failed line and what was wrong with it, field by field."""

    line = ma.fields.Integer(required=True, metadata={"description": "Counted from 1"})
    errors = ma.fields.Dict(required=True)


class ImportReportSchema(ma.Schema):
    """What the import did."""

    created = ma.fields.Integer(required=True)
    matched = ma.fields.Integer(required=True, metadata={"description": "Already on record"})
    failed = ma.fields.Integer(required=True)
    errors = ma.fields.List(
        ma.fields.Nested(LineErrorsSchema),
        required=True,
        metadata={"description": "The first 1000 failed lines"},
    )
    stopped_at = ma.fields.Integer(
        metadata={"description": "The import stopped here: this line and those after it were not written"}
    )
    stop_reason = ma.fields.String(
        metadata={
            "description": "Why it stopped (with `stopped_at`): a failed line with `mode=atomic`, a body "
            "that is not valid gzip from that line on, the database no longer answering, an unexpected "
            "error (logged)"
        }
    )
