"""API keys as admins see and create them (never with a stored secret: none is stored)."""

import marshmallow as ma

from service import fields as f
from service.auth.models import SCOPES
from service.pagination import PageArgs, page_schema

KEY_NAME = ma.validate.Regexp(
    r"^[^/\x00-\x1f\x7f]{1,100}$", error="1 to 100 characters; no slash, no control characters."
)


class KeySchema(ma.Schema):
    """A key: its name, what it may do, and whether it still works."""

    name = ma.fields.String(required=True)
    scopes = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "read ⊂ write ⊂ admin"}
    )
    created_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(allow_none=True, required=True)


class NewKeySchema(KeySchema):
    """A key just created, with its secret: shown this once, only its hash is kept."""

    secret = ma.fields.String(
        required=True, metadata={"description": "Send as `Authorization: Bearer <secret>`"}
    )


class KeyInSchema(ma.Schema):
    """A new key."""

    name = ma.fields.String(required=True, validate=KEY_NAME, metadata={"example": "newsroom-bot"})
    scope = f.one_of(SCOPES, load_default="read")


class KeyFilterSchema(PageArgs):
    """Paging through the keys, oldest first."""


KeyPageSchema = page_schema(KeySchema, "KeyPage")
