"""The routes every kind of record shares: list, create, read, change.

A domain describes its record once (schemas and service functions) and gets
`GET/POST /v1/<records>` and `GET/PATCH /v1/<records>/{id}` documented and
validated the same way as every other domain's.
"""

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
import orjson
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import Session
from webargs import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from service import db
from service.errors import PROBLEM_MIMETYPE, ProblemSchema
from service.history.schemas import HistoryArgsSchema, HistoryPageSchema
from service.history.services import history_listing
from service.pagination import Listing, paginate

LONE_SURROGATE = "Not valid Unicode: a lone surrogate (U+D800 to U+DFFF)."
_ESCAPED_SURROGATE = {
    str: re.compile(r"\\u[dD][89abcdefABCDEF]"),
    bytes: re.compile(rb"\\u[dD][89abcdefABCDEF]"),
}
_SURROGATE = re.compile("[\ud800-\udfff]")
# orjson reads the common body in a fifth of the standard library's time. What orjson
# refuses (NaN, lone surrogates, nesting past 1,024 levels) goes to the standard
# library, which says why or reads it as before; so does any text with an integer of 19
# digits or more, which orjson would read as a float past 64 bits.
_LONG_NUMBER = {str: re.compile(r"\d{19}"), bytes: re.compile(rb"\d{19}")}


class UnreadableJson(ValueError):
    """JSON that Python's parser refuses within its limits: nested deeper than its
    recursion limit, or an integer longer than its digit limit."""


class LoneSurrogates(ValueError):
    """JSON whose strings (or object keys) hold half a UTF-16 pair, which no database
    text can store; `errors` names where, as marshmallow would."""

    def __init__(self, errors: dict):
        super().__init__(LONE_SURROGATE)
        self.errors = errors


def load_json(text: str | bytes) -> Any:
    """`text` parsed as JSON, the one way every request body and import line is.

    Raises `json.JSONDecodeError` for what is not JSON, `UnreadableJson` for JSON past
    Python's limits, and `LoneSurrogates` for strings PostgreSQL cannot store."""
    if not _LONG_NUMBER[type(text)].search(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise UnreadableJson("arrays or objects are nested too deeply") from None
    except UnicodeDecodeError:
        raise UnreadableJson("the body is not UTF-8") from None
    except ValueError:  # Python's limit on the digits of an integer (CVE-2020-10735)
        raise UnreadableJson(f"a number has more than {sys.get_int_max_str_digits()} digits") from None
    if _ESCAPED_SURROGATE[type(text)].search(text) and (errors := _surrogates(value)):
        raise LoneSurrogates(errors if isinstance(errors, dict) else {"_body": errors})
    return value


def _surrogates(value: Any) -> dict | list | None:
    """Where `value` holds lone surrogates, keyed like marshmallow's errors; None if nowhere."""
    try:
        if isinstance(value, str):
            return [LONE_SURROGATE] if _SURROGATE.search(value) else None
        if isinstance(value, dict):
            errors = {
                _shown(key): [LONE_SURROGATE] if _SURROGATE.search(key) else _surrogates(item)
                for key, item in value.items()
            }
        elif isinstance(value, list):
            errors = {index: _surrogates(item) for index, item in enumerate(value)}
        else:
            return None
    except RecursionError:
        raise UnreadableJson("arrays or objects are nested too deeply") from None
    return {key: error for key, error in errors.items() if error} or None


def _shown(key: str) -> str:
    """An object key as it can be sent back (a lone surrogate written as its escape)."""
    return key.encode("utf-8", "backslashreplace").decode()


class JsonParser(FlaskParser):
    """webargs' parser for Flask, reading JSON bodies with `load_json`: what Python cannot
    parse is a 400 and a lone surrogate a 422, never a 500."""

    def load_json(self, req: flask.Request, schema: ma.Schema) -> Any:
        if not is_json_request(req) or not (body := req.get_data(cache=True)):
            return missing
        if req.content_length is None and len(body) >= (req.max_content_length or len(body) + 1):
            # werkzeug stops reading a chunked body at the limit without a word: the rest
            # was never read, so this is no JSON to parse but a body over the limit.
            raise RequestEntityTooLarge()
        try:
            return load_json(body)
        except json.JSONDecodeError:
            abort(400, messages={"json": ["Invalid JSON body."]})
        except UnreadableJson as error:
            abort(400, message=f"The JSON body cannot be read: {error}.", messages={"json": [f"{error}."]})
        except LoneSurrogates as error:
            abort(422, messages={"json": error.errors})


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, its request bodies read by `JsonParser`: every view
    module makes its blueprint from this one."""

    ARGUMENTS_PARSER = JsonParser()

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's, a schema class made into one instance here: given a class,
        webargs builds a new schema for every request (some 0.1 ms)."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


# A bad filter, limit or cursor is a malformed request (400); 422 is for bodies.
LIST_ARGUMENT_ERROR = 400
MOVED = {
    "schema": ProblemSchema,
    "content_type": PROBLEM_MIMETYPE,
    "description": "The record was merged into another: `Location` is this path for the surviving record.",
    "headers": {"Location": {"description": "The surviving record's path", "schema": {"type": "string"}}},
}


@dataclass(frozen=True)
class Resource:
    """One kind of record: its name, schemas and service functions."""

    name: str
    schema: type[ma.Schema]
    page_schema: type[ma.Schema]
    filter_schema: type[ma.Schema]
    in_schema: type[ma.Schema]
    patch_schema: type[ma.Schema]
    listing: Callable[[dict], Listing]
    get: Callable[[Session, int], Any]
    create: Callable[[Session, dict], Any] | None
    update: Callable[[Session, Any, dict], Any]
    mergeable: bool = False

    @classmethod
    def of(cls, name: str, schemas, services, mergeable: bool = False) -> "Resource":
        """The resource a domain's modules describe, by the naming convention
        `<Name>Schema`, `<Name>PageSchema`, ... and `<name>_listing`, `get_<name>`, ...
        A `mergeable` record's old id answers 308 once it is merged into another."""
        title = name.title()
        return cls(
            name=name,
            schema=getattr(schemas, f"{title}Schema"),
            page_schema=getattr(schemas, f"{title}PageSchema"),
            filter_schema=getattr(schemas, f"{title}FilterSchema"),
            in_schema=getattr(schemas, f"{title}InSchema"),
            patch_schema=getattr(schemas, f"{title}PatchSchema"),
            listing=getattr(services, f"{name}_listing"),
            get=getattr(services, f"get_{name}"),
            create=getattr(services, f"create_{name}", None),
            update=getattr(services, f"update_{name}"),
            mergeable=mergeable,
        )

    @property
    def item_endpoint(self) -> str:
        return f"{self.name.title()}ById"


def collection_view(
    blp: Blueprint, resource: Resource, get: Callable | None = None, post: Callable | None = None
) -> type:
    """`GET` (filtered, paginated) and `POST` on the collection; `get` and `post` replace
    the default list and create."""

    @blp.arguments(resource.filter_schema, location="query", error_status_code=LIST_ARGUMENT_ERROR)
    @blp.response(200, resource.page_schema)
    def page(self, args):
        return paginate(db.session(), resource.listing(args), args)

    page.__doc__ = f"List {resource.name}s; filters combine."

    @blp.etag
    @blp.arguments(resource.in_schema)
    @blp.response(201, resource.schema)
    def create(self, data):
        record = resource.create(db.session(), data)
        return record, 201, {"Location": item_url(resource, record)}

    create.__doc__ = f"Add a {resource.name}."
    methods = {"get": get or page, "post": post or create}
    return blp.route("")(type(f"{resource.name.title()}s", (MethodView,), methods))


def item_view(blp: Blueprint, resource: Resource, **extra_methods: Callable) -> type:
    """`GET` and `PATCH` on one record, plus any `extra_methods` (e.g. `delete`, which
    must call `check_current`). Reads send an `ETag` (`If-None-Match` → 304); changes
    need `If-Match` with it: none → 428, a stale one → 412."""
    id_arg = f"{resource.name}_id"

    @blp.etag
    @blp.response(200, resource.schema)
    def get(self, **ids):
        return resource.get(db.session(), ids[id_arg])

    get.__doc__ = f"One {resource.name}."

    @blp.etag
    @blp.arguments(resource.patch_schema)
    @blp.response(200, resource.schema)
    def patch(self, changes, **ids):
        session = db.session()
        record = check_current(blp, resource, resource.get(session, ids[id_arg]))
        return resource.update(session, record, changes)

    patch.__doc__ = f"Change a {resource.name}; fields left out stay as they are. Needs `If-Match`."
    methods = documented_moves(blp, resource, {"get": get, "patch": patch} | extra_methods)
    return blp.route(f"/<id:{id_arg}>")(type(resource.item_endpoint, (MethodView,), methods))


def documented_moves(blp: Blueprint, resource: Resource, methods: dict[str, Callable]) -> dict[str, Callable]:
    """The view methods, documenting the 308 a merged record's id answers with."""
    if not resource.mergeable:
        return methods
    return {name: blp.alt_response(308, **MOVED)(method) for name, method in methods.items()}


def check_current(blp: Blueprint, resource: Resource, record: Any) -> Any:
    """The record, if the client's `If-Match` names its current version; else 412.

    The record's row is locked (and its fields read again) first, until the transaction
    ends: of several changes sent at once with the same `If-Match`, the first changes the
    version and the others, waiting for the lock, then see that version and get 412."""
    model = type(record)
    locked = select(model).where(model.id == record.id).with_for_update()
    db.session().execute(locked.execution_options(populate_existing=True)).scalar_one()
    blp.check_etag(record, resource.schema)
    return record


def history_view(blp: Blueprint, resource: Resource) -> type:
    """`GET /<id>/history`: every change to one record, oldest first."""
    id_arg = f"{resource.name}_id"

    @blp.arguments(HistoryArgsSchema, location="query", error_status_code=LIST_ARGUMENT_ERROR)
    @blp.response(200, HistoryPageSchema)
    def get(self, args, **ids):
        session = db.session()
        record = resource.get(session, ids[id_arg])
        return paginate(session, history_listing(resource.name, record.id), args)

    get.__doc__ = f"Every change to a {resource.name}: when, by which key, what changed."
    view = type(
        f"{resource.name.title()}History", (MethodView,), documented_moves(blp, resource, {"get": get})
    )
    return blp.route(f"/<id:{id_arg}>/history")(view)


def item_url(resource: Resource, record: Any) -> str:
    """The path a record is read back from."""
    return flask.url_for(f".{resource.item_endpoint}", **{f"{resource.name}_id": record.id})
