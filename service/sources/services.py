"""Source queries and changes. Functions take a session and never commit."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask_smorest import abort
from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from w3lib.url import canonicalize_url

from service.errors import Conflict
from service.history.services import diff, record_change, snapshot
from service.pagination import Listing
from service.sources.models import Source

FIELDS = ("url", "title", "publisher", "agency", "authors", "published_at", "lang", "kind")
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src"}
)


# A URL that is its own canonical form: http(s), a lower-case ASCII host, a path of
# plain characters without dot segments, no port, query or fragment (most cited URLs;
# tests/sources/test_services.py checks that canonicalising them changes nothing).
# A host whose last label is a number is an IPv4 address to w3lib (`http://0/` is
# `http://0.0.0.0/`), so those are not taken as they are.
CANONICAL_URL = re.compile(
    r"https?://(?!.*xn--)([a-z0-9-]{1,63}\.)*(?![0-9]+/|0x[0-9a-f]*/)[a-z0-9-]{1,63}"
    r"(?!.*/\.{1,2}(/|$))(/[A-Za-z0-9._~-]*)+"
)


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, sorted query without
    tracking parameters (utm_*, fbclid, ...), no fragment."""
    if CANONICAL_URL.fullmatch(url):
        return url
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMETERS
    ]
    kept = parts._replace(query=urlencode(query))
    try:
        return canonicalize_url(urlunsplit(kept))
    except ValueError:  # w3lib refuses a host ending in a number that is no IPv4 address (`a.0`)
        return urlunsplit(kept._replace(scheme=kept.scheme.lower(), netloc=kept.netloc.lower(), fragment=""))


def identity_key(data: dict) -> str:
    """What makes two submissions one source: its URL, else title, publisher and date."""
    if data.get("url"):
        return "url:" + data["url"]
    published = data.get("published_at")
    parts = (data.get("title"), data.get("publisher"), published.date().isoformat() if published else None)
    return "meta:" + "|".join((p or "").strip().casefold() for p in parts)


def get_source(session: Session, source_id: int) -> Source:
    """The source with this id, or 404."""
    source = session.get(Source, source_id)
    if source is None:
        abort(404, message=f"No source with id {source_id}.")
    return source


def list_sources(args: dict) -> Select:
    """The sources matching the list filters."""
    stmt = select(Source)
    if "url" in args:
        stmt = stmt.where(Source.url == canonical_url(args["url"]))
    if "publisher" in args:
        stmt = stmt.where(func.lower(Source.publisher) == args["publisher"].lower())
    return stmt


def source_listing(args: dict) -> Listing:
    """The filtered sources in the order they were added."""
    return Listing(list_sources(args), (Source.id,))


def create_source(session: Session, data: dict) -> Source:
    """A new source; 409 if it is already on record."""
    data = _canonical(data)
    key = identity_key(data)
    source = None if _find(session, key) else _insert(session, data)
    if source is None:
        existing = _find(session, key)
        raise Conflict(f"Source {existing.id} is already on record.", f"/v1/sources/{existing.id}")
    return source


def match_or_create_source(session: Session, data: dict) -> Source:
    """The source with this URL (or title, publisher and date), created if new."""
    data = _canonical(data)
    key = identity_key(data)
    return _find(session, key) or _insert(session, data) or _find(session, key)


def update_source(session: Session, source: Source, changes: dict) -> Source:
    """Apply a PATCH; 409 if it would make the source another's duplicate."""
    before = snapshot(source, FIELDS)
    for name, value in _canonical(changes).items():
        setattr(source, name, value)
    key = identity_key({name: getattr(source, name) for name in FIELDS})
    if key != source.identity_key:
        other = _find(session, key)
        if other is not None:
            raise Conflict(f"Source {other.id} already has that identity.", f"/v1/sources/{other.id}")
        source.identity_key = key
    changed = diff(before, snapshot(source, FIELDS))
    if changed:
        session.flush()
        record_change(session, "source", source.id, "update", changed)
    return source


def _canonical(data: dict) -> dict:
    if data.get("url"):
        return data | {"url": canonical_url(data["url"])}
    return data


def _find(session: Session, key: str) -> Source | None:
    return session.scalar(select(Source).where(Source.identity_key == key))


def _insert(session: Session, data: dict) -> Source | None:
    """The new source, or None if another transaction stored the same one first (the
    insert waits for that transaction to end rather than fail the request). Every unique
    index arbitrates, the URL's too: naming only the identity key's, two requests storing
    one new URL at once failed when PostgreSQL happened to check the URL's index first."""
    values = {k: data[k] for k in FIELDS if k in data}
    source_id = session.scalar(
        insert(Source)
        .values(identity_key=identity_key(data), version=1, **values)
        .on_conflict_do_nothing()
        .returning(Source.id)
    )
    if source_id is None:
        return None
    source = session.get(Source, source_id)
    record_change(session, "source", source.id, "create", snapshot(source, FIELDS))
    return source
