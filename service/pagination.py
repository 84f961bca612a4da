"""Keyset pagination: `{"items": [...], "next": url}` pages, an opaque cursor, and a
`Link: <url>; rel="next"` header (RFC 8288)."""

import base64
import binascii
import json

import flask
import marshmallow as ma
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Cursor(ma.fields.String):
    """An opaque token for "the rows after this one"; it decodes to the last row's key."""

    max_length = 64

    def _deserialize(self, value, attr, data, **kwargs):
        token = super()._deserialize(value, attr, data, **kwargs)
        if len(token) > self.max_length:
            raise ma.ValidationError("Not a cursor from a `next` link.")
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode() + b"=="))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ma.ValidationError("Not a cursor from a `next` link.") from None
        if not isinstance(decoded, int) or isinstance(decoded, bool):
            raise ma.ValidationError("Not a cursor from a `next` link.")
        return decoded


def encode_cursor(key: int) -> str:
    """The token `Cursor` decodes back to `key`."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


class PageArgs(ma.Schema):
    """Query arguments every list takes."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(1, MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}."},
    )
    cursor = Cursor(
        metadata={
            "description": "The `cursor` of a previous page's `next` link.",
            "maxLength": Cursor.max_length,
        },
    )


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of one page of `item_schema`."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "URL of the next page, or null on the last"},
            ),
        },
        name=name,
    )


def paginate(session: Session, stmt: Select, key: InstrumentedAttribute, args: dict):
    """Run `stmt` for one page ordered by the unique `key`; return (body, status, headers)
    as a flask-smorest view returns them."""
    if "cursor" in args:
        stmt = stmt.where(key > args["cursor"])
    limit = args["limit"]
    rows = session.scalars(stmt.order_by(key).limit(limit + 1)).unique().all()
    items, more = rows[:limit], len(rows) > limit
    next_url = _next_url(encode_cursor(getattr(items[-1], key.key))) if more else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return {"items": items, "next": next_url}, 200, headers


def _next_url(cursor: str) -> str:
    request = flask.request
    args = request.args.to_dict(flat=False) | {"cursor": cursor}
    return flask.url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
