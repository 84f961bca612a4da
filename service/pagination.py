"""Keyset pagination: `{"items": [...], "next": url}` pages, an opaque cursor, and a
`Link: <url>; rel="next"` header (RFC 8288)."""

import base64
import binascii
import json
import math
from dataclasses import dataclass, field

import flask
import marshmallow as ma
from flask_smorest import abort
from sqlalchemy import BigInteger, ColumnElement, Integer, Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from service.fields import QueryInteger

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
NOT_A_CURSOR = "Not a cursor from a `next` link."


@dataclass(frozen=True)
class Listing:
    """A query and the order its pages follow: sort keys that together are unique
    (the last is the id), all ascending or all descending."""

    stmt: Select
    keys: tuple[ColumnElement, ...]
    descending: bool = False
    # Computed per item of the page only (e.g. a search highlight), set as attributes.
    annotations: dict[str, ColumnElement] = field(default_factory=dict)
    # Planner settings for this query's transaction, where its estimates are known to mislead.
    planner_settings: dict[str, str] = field(default_factory=dict)


class Cursor(ma.fields.String):
    """An opaque token for "the rows after this one"; it decodes to the last row's sort keys."""

    max_length = 128

    def _deserialize(self, value, attr, data, **kwargs):
        token = super()._deserialize(value, attr, data, **kwargs)
        if len(token) > self.max_length:
            raise ma.ValidationError(NOT_A_CURSOR)
        try:
            decoded = json.loads(
                base64.urlsafe_b64decode(token.encode() + b"=="), parse_constant=_no_constant
            )
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ma.ValidationError(NOT_A_CURSOR) from None
        if not (isinstance(decoded, list) and 0 < len(decoded) <= 4 and all(map(_is_number, decoded))):
            raise ma.ValidationError(NOT_A_CURSOR)
        return decoded


def _no_constant(name: str):
    """`NaN` and `Infinity` are no sort key (Python's JSON reads them; JSON has none)."""
    raise ValueError(name)


def _is_number(value) -> bool:
    """A sort key's value: a finite float, or an integer a bigint holds."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _fits(key: ColumnElement, value) -> bool:
    """Can `value` stand for `key` in SQL (an integer key takes integers its type holds)?"""
    if isinstance(key.type, Integer):
        bound = 2**63 if isinstance(key.type, BigInteger) else 2**31
        return isinstance(value, int) and -bound <= value < bound
    return True


def encode_cursor(keys: list) -> str:
    """The token `Cursor` decodes back to `keys`."""
    return base64.urlsafe_b64encode(json.dumps(keys).encode()).decode().rstrip("=")


class PageArgs(ma.Schema):
    """Query arguments every list takes."""

    limit = QueryInteger(
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


def paginate(session: Session, listing: Listing, args: dict):
    """Run one page of `listing`; return (body, status, headers) as a flask-smorest view does."""
    keys, limit = listing.keys, args["limit"]
    for name, value in listing.planner_settings.items():
        session.execute(select(func.set_config(name, value, True)))
    rows = session.execute(page_statement(listing, limit, args.get("cursor"))).all()
    items = [_annotated(row[0], listing.annotations, row[1 + len(keys) :]) for row in rows[:limit]]
    last_keys = list(rows[limit - 1][1 : 1 + len(keys)]) if len(rows) > limit else None
    return page_of(items, last_keys)


def page_of(items: list, last_keys: list | None):
    """(body, status, headers) of a page of `items`; the next page, if `last_keys` are
    given, continues after the item with those sort keys."""
    next_url = _next_url(encode_cursor(last_keys)) if last_keys else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return {"items": items, "next": next_url}, 200, headers


def page_statement(listing: Listing, limit: int, cursor: list | None = None) -> Select:
    """The rows of one page (and one more, to tell whether another follows): each row
    is the item, its sort keys, then its annotations."""
    keys, stmt = listing.keys, listing.stmt
    if cursor is not None:
        if len(cursor) != len(keys):
            abort(400, errors={"cursor": ["This cursor belongs to another sort order."]})
        if not all(map(_fits, keys, cursor)):
            abort(400, errors={"cursor": [NOT_A_CURSOR]})
        after = tuple_(*(literal(value, key.type) for key, value in zip(keys, cursor, strict=True)))
        stmt = stmt.where(tuple_(*keys) < after if listing.descending else tuple_(*keys) > after)
    order = [key.desc() for key in keys] if listing.descending else keys
    extra = list(listing.annotations.values())
    return stmt.add_columns(*keys, *extra).order_by(*order).limit(limit + 1)


def _annotated(item, annotations: dict, values) -> object:
    for name, value in zip(annotations, values, strict=True):
        setattr(item, name, value)
    return item


def _next_url(cursor: str) -> str:
    """The next page's URL: under ONRECORD_PUBLIC_URL when it is set, else relative
    (never from the request's Host header, which the client chooses)."""
    request = flask.request
    args = request.args.to_dict(flat=False) | {"cursor": cursor}
    path = flask.url_for(request.endpoint, **(request.view_args or {}), **args)
    return public_url(path)


def relocate(response: flask.Response) -> flask.Response:
    """after_request: a `Location` werkzeug made absolute from the Host header (the
    trailing-slash redirect of /docs) becomes relative, or under ONRECORD_PUBLIC_URL."""
    location = response.headers.get("Location")
    if location is None:
        return response
    host_url = flask.request.host_url
    if location.startswith(host_url):
        response.headers["Location"] = public_url("/" + location[len(host_url) :])
    return response


def public_url(path: str) -> str:
    """`path` (as url_for gives it) as a client should follow it."""
    base = flask.current_app.config["PUBLIC_URL"]
    return base.rstrip("/") + path if base else path
