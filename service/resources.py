"""The routes every kind of record shares: list, create, read, change.

A domain describes its record once (schemas and service functions) and gets
`GET/POST /v1/<records>` and `GET/PATCH /v1/<records>/{id}` documented and
validated the same way as every other domain's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flask
import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from service import db
from service.errors import PROBLEM_MIMETYPE, ProblemSchema
from service.history.schemas import HistoryArgsSchema, HistoryPageSchema
from service.history.services import history_listing
from service.pagination import Listing, paginate

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
