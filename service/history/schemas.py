"""History entries as clients read them."""

import marshmallow as ma

from service.pagination import PageArgs, page_schema


class HistoryEntrySchema(ma.Schema):
    """One change to a record."""

    id = ma.fields.Integer(required=True)
    record_id = ma.fields.Integer(
        required=True,
        metadata={"description": "The record changed: this one, or one merged into it since"},
    )
    at = ma.fields.DateTime(required=True)
    action = ma.fields.String(required=True, metadata={"description": "create, update, retract or merge"})
    actor = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "The name of the API key that made it"}
    )
    changes = ma.fields.Dict(
        required=True,
        metadata={"description": "create: the record's fields; otherwise {field: {before, after}}"},
    )


class HistoryArgsSchema(PageArgs):
    """Paging through a record's history."""


HistoryPageSchema = page_schema(HistoryEntrySchema, "HistoryPage")
