"""Quote queries and changes. Functions take a session and never commit."""

from collections.abc import Iterable
from functools import cache

import orjson
from flask_smorest import abort
from psycopg.types.numeric import Int4, Int8
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session, joinedload, selectinload

from service.db import driver_sql, one_driver_statement
from service.db import session as request_session
from service.fields import as_record_id, bookkeeping_last
from service.history.services import (
    current_id,
    diff,
    forward,
    forwarding_address,
    raise_if_moved,
    record_change,
    snapshot,
)
from service.pagination import Listing, page_of, paginate
from service.quotes.models import Citation, Quote, Translation
from service.quotes.schemas import rule_errors
from service.quotes.search import Highlight, highlighter, index_query, matching_ids, ranked
from service.search.documents import EPOCH, NO_DATE, said_day
from service.search.index import search_index
from service.search.query import parse
from service.sources.models import Source
from service.sources.services import canonical_url, get_source, match_or_create_source
from service.speakers.models import Speaker
from service.speakers.services import get_speaker, match_or_create_speaker, speaker_ids_named
from service.text import search_text, statement_hash

FIELDS = (
    "text",
    "lang",
    "kind",
    "speaker_id",
    "speaker_description",
    "speaker_role",
    "said_on",
    "said_on_precision",
    "context",
    "status",
    "status_note",
    "topics",
)
LOAD_EMBEDDED = (
    selectinload(Quote.speaker).selectinload(Speaker.aliases),
    selectinload(Quote.citations),
    selectinload(Quote.translations),
)
# One quote in one statement with joins: a third of the ORM work of a query per
# relation. Built once, so SQLAlchemy derives its cache key once (a point read is the
# most frequent request).
JOIN_EMBEDDED = (
    joinedload(Quote.speaker).joinedload(Speaker.aliases),
    joinedload(Quote.citations),
    joinedload(Quote.translations),
)
ONE_QUOTE = select(Quote).options(*JOIN_EMBEDDED).where(Quote.id == bindparam("quote_id"))


def _iso(column: str) -> str:
    """SQL formatting a timestamptz as Python's `isoformat` does (what the schemas dump):
    microseconds only when there are some, the session's UTC offset."""
    return (
        f"to_char({column}, CASE WHEN date_trunc('second', {column}) = {column} "
        f"""THEN 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM' END)"""
    )


# A quote (the row `quotes`) exactly as `QuoteSchema` dumps it (fields in its order),
# built by PostgreSQL: a read of quotes makes no ORM objects and runs no marshmallow.
# tests/quotes/test_read.py holds it equal to the dump. (No `%` in it: it is used in
# driver SQL and in SQLAlchemy statements, which escape `%` differently.)
QUOTE_JSON = f"""json_build_object(
  'id', quotes.id, 'text', quotes.text, 'lang', quotes.lang, 'kind', quotes.kind,
  'status', quotes.status, 'status_note', quotes.status_note,
  'speaker', (SELECT json_build_object('id', s.id, 'name', s.name, 'aliases', ARRAY(
                SELECT a.alias FROM speaker_aliases a WHERE a.speaker_id = s.id AND a.alias <> s.name
                ORDER BY a.id), 'wikidata_id', s.wikidata_id)
              FROM speakers s WHERE s.id = quotes.speaker_id),
  'speaker_description', quotes.speaker_description, 'speaker_role', quotes.speaker_role,
  'said_on', quotes.said_on, 'said_on_precision', quotes.said_on_precision,
  'context', quotes.context, 'topics', quotes.topics,
  'translations', coalesce((SELECT json_agg(json_build_object(
                    'lang', t.lang, 'text', t.text, 'translator', t.translator) ORDER BY t.id)
                  FROM translations t WHERE t.quote_id = quotes.id), '[]'),
  'citations', coalesce((SELECT json_agg(json_build_object(
                 'source', json_build_object('id', o.id, 'url', o.url, 'title', o.title,
                   'publisher', o.publisher, 'agency', o.agency,
                   'published_at', {_iso("o.published_at")}, 'kind', o.kind),
                 'printed_text', c.printed_text, 'attribution', c.attribution, 'via', c.via)
                 ORDER BY c.id)
               FROM citations c JOIN sources o ON o.id = c.source_id WHERE c.quote_id = quotes.id), '[]'),
  'created_at', {_iso("quotes.created_at")}, 'updated_at', {_iso("quotes.updated_at")},
  'version', quotes.version)"""
# A point read, the most frequent request, in one statement; driver SQL, so SQLAlchemy
# compiles nothing either (psycopg prepares it on the server after a few uses).
QUOTE_DOCUMENT = f"SELECT {QUOTE_JSON}::text FROM quotes WHERE quotes.id = %(quote_id)s"
PAGE_IDS = cast(bindparam("page_ids"), ARRAY(BigInteger))
# The documents of a page's quotes (ids), in its order, as text for orjson.
FOUND_DOCUMENTS = (
    select(literal_column(f"({QUOTE_JSON})::text"))
    .where(Quote.id == any_(PAGE_IDS))
    .order_by(func.array_position(PAGE_IDS, Quote.id))
)
# A search's filters (`_index_filters`: speakers and sources resolved to ids), each
# bound by its name to its list of values, to re-check a page's quotes: the index may
# lag a change by a moment, and PostgreSQL has the truth.
RECHECKS = {
    "lang": Quote.lang == any_(bindparam("lang", type_=ARRAY(String))),
    "kind": Quote.kind == any_(bindparam("kind", type_=ARRAY(String))),
    "status": Quote.status == any_(bindparam("status", type_=ARRAY(String))),
    "topics": Quote.topics.contains(bindparam("topics", type_=ARRAY(Text))),
    "speaker_id": Quote.speaker_id == any_(bindparam("speaker_id", type_=ARRAY(BigInteger))),
    "source_ids": Quote.id.in_(
        select(Citation.quote_id).where(
            Citation.source_id == any_(bindparam("source_ids", type_=ARRAY(BigInteger)))
        )
    ),
    "said_day": type_coerce(Quote.said_on - EPOCH, Integer).between(
        func.coalesce(bindparam("said_day_from", type_=Integer), -NO_DATE),
        func.coalesce(bindparam("said_day_to", type_=Integer), NO_DATE),
    ),
}


def quote_document(quote_id: int, session: Session | None = None) -> dict:
    """The quote with this id as its representation (`QuoteSchema`'s dump), read
    without building model instances; 308 if it was merged into another, else 404.
    Read in `session`, else as the request's one statement: its session is made only to
    tell a 308 from a 404."""
    with one_driver_statement(session) as connection:
        row = connection.execute(QUOTE_DOCUMENT, {"quote_id": quote_id}, prepare=True).fetchone()
    if row is None:
        session = session if session is not None else request_session()
        get_quote(session, quote_id)  # answers 308 or 404
        return quote_document(quote_id, session)  # stored since the first statement
    return orjson.loads(row[0])


def get_quote(session: Session, quote_id: int) -> Quote:
    """The quote with this id, 308 if it was merged into another, else 404."""
    quote = session.execute(ONE_QUOTE, {"quote_id": quote_id}).unique().scalar_one_or_none()
    if quote is None:
        raise_if_moved(session, "quote", quote_id)
        abort(404, message=f"No quote with id {quote_id}.")
    return quote


def list_quotes(session: Session, args: dict) -> Select:
    """The quotes matching every given filter, `q` (full-text search) included."""
    stmt = _filtered(args, select(Quote))
    if "q" not in args:
        return stmt
    index = search_index()
    query = index_query(parse(args["q"]), index.schema, _index_filters(session, args))
    ids = matching_ids(index.searcher(), query)
    return stmt.where(Quote.id == any_(bindparam("matching_ids", ids, type_=ARRAY(BigInteger))))


def quote_page(session: Session, args: dict) -> tuple[dict, int, dict]:
    """One page of `GET /v1/quotes` (body, status, headers), its items as `QuoteSchema`
    dumps them: a search when `q` is given (search_quotes), else the filtered listing
    (quote_listing)."""
    if "q" in args:
        return page_of(*search_quotes(session, args))
    body, status, headers = paginate(session, quote_listing(args), args)
    # The documents apart from the listing's query: their subqueries would keep PostgreSQL
    # from scanning for the page in parallel.
    return body | {"items": _documents(session, body["items"], {})}, status, headers


def quote_listing(args: dict) -> Listing:
    """The ids of the filtered quotes in the order `sort` asks for, `q` aside (quote_page
    searches): by the date said (unknown dates last), or as added."""
    sort = args.get("sort", "id")
    if sort == "relevance":
        abort(400, errors={"sort": ["Sorting by relevance needs a search (q)."]})
    return Listing(_filtered(args, select(Quote.id)), *_order(sort, Quote.said_on, Quote.id))


def search_quotes(session: Session, args: dict) -> tuple[list[dict], list | None]:
    """One page of a search (`q`) as `QuoteSchema` dumps it, and the sort keys of its
    last quote when another page follows. Ordered by relevance (the default; recency
    breaks ties) or by the date said; each quote has a `highlight` of the words it matched."""
    search, limit = parse(args["q"]), args["limit"]
    filters = _index_filters(session, args)
    if search.empty or any(values == [] for values in filters.values()):
        return [], None
    index = search_index()
    searcher, schema = index.searcher(), index.schema
    query = index_query(search, schema, filters)
    rows = ranked(searcher, schema, query, args.get("sort", "relevance"), limit + 1, args.get("cursor"))
    ids = [row[-1] for row in rows[:limit]]
    page = _documents(session, ids, filters)
    last_keys = rows[limit - 1] if len(rows) > limit else None
    highlight = highlighter(search)
    return [_highlighted(highlight, quote) for quote in page], last_keys


def _documents(session: Session, ids: list[int], filters: dict) -> list[dict]:
    """The documents of the quotes with these ids, in their order, of those that pass
    `filters` (as `_index_filters` gives them)."""
    if not ids:
        return []
    sql, constants = _documents_sql(tuple(filters))
    # Typed as the SQL casts them: psycopg prepares a statement for each set of types it
    # sends, and would pick the smallest integer type each value fits.
    params = constants | {"page_ids": [Int8(i) for i in ids]}
    for name, values in filters.items():
        if name == "said_day":
            params["said_day_from"], params["said_day_to"] = (None if v is None else Int4(v) for v in values)
        else:
            params[name] = [Int8(v) if isinstance(v, int) else v for v in values]
    with one_driver_statement(session) as connection:
        rows = connection.execute(sql, params, prepare=True).fetchall()
    return [orjson.loads(text) for (text,) in rows]


@cache
def _documents_sql(filter_names: tuple[str, ...]) -> tuple[str, dict]:
    """FOUND_DOCUMENTS with these RECHECKS as driver SQL (its constants' values beside
    it): compiled once for each combination of filters, and prepared by the server,
    without SQLAlchemy's statement and result layers (0.36 ms of CPU a page of 20 became
    0.22 in-process)."""
    statement = FOUND_DOCUMENTS.where(*(RECHECKS[name] for name in filter_names))
    return driver_sql(statement, PGDialect_psycopg())


def _highlighted(highlight: Highlight, quote: dict) -> dict:
    """The quote with the `highlight` of the words the search matched, where `QuoteSchema`
    dumps it (before the bookkeeping fields); as it was if none matched (a search by
    exclusions alone)."""
    texts = [(quote["lang"], quote["text"]), *((t["lang"], t["text"]) for t in quote["translations"])]
    marked = highlight(texts)
    return quote if marked is None else bookkeeping_last(quote | {"highlight": marked})


def _index_filters(session: Session, args: dict) -> dict:
    """The filters as index terms: speakers and sources resolved to their ids here."""
    filters = {name: [args[name]] for name in ("lang", "kind", "status") if name in args}
    if "topic" in args:
        filters["topics"] = [args["topic"]]
    if "speaker" in args:
        filters["speaker_id"] = list(session.scalars(_speaker_ids(args["speaker"])))
    if "source" in args:
        filters["source_ids"] = list(session.scalars(_source_ids(args["source"])))
    if "said_from" in args or "said_to" in args:
        filters["said_day"] = (said_day(args.get("said_from")), said_day(args.get("said_to")))
    return filters


def _order(sort: str, said_on: ColumnElement, ident: ColumnElement):
    """(sort keys, descending?) for a sort name; quotes with no date said come last."""
    if sort == "-said_on":
        return (_said_day(said_on, -NO_DATE), ident), True
    if sort == "said_on":
        return (_said_day(said_on, NO_DATE), ident), False
    return (ident,), False


def _said_day(said_on: ColumnElement, nulls_as: int) -> ColumnElement:
    """The date said as a day number, `nulls_as` when unknown."""
    return func.coalesce(type_coerce(said_on - EPOCH, Integer), nulls_as)


def _filtered(args: dict, stmt: Select) -> Select:
    """`stmt` (of quotes) with the filters but `q`: what every one of them lets through."""
    if "speaker" in args:
        stmt = stmt.where(Quote.speaker_id.in_(_speaker_ids(args["speaker"])))
    if "source" in args:
        stmt = stmt.where(Quote.id.in_(_quotes_cited_by(args["source"])))
    for name in ("lang", "kind", "status"):
        if name in args:
            stmt = stmt.where(getattr(Quote, name) == args[name])
    if "topic" in args:
        stmt = stmt.where(Quote.topics.contains([args["topic"]]))
    if "said_from" in args:
        stmt = stmt.where(Quote.said_on >= args["said_from"])
    if "said_to" in args:
        stmt = stmt.where(Quote.said_on <= args["said_to"])
    return stmt


def record_quote(session: Session, data: dict) -> tuple[Quote, bool]:
    """Store a statement, or find it already on record (same speaker, same normalised
    text) and add the citations, translations and topics it lacked.

    Returns the quote and whether it was created.
    """
    speaker_id, description = _resolve_speaker(session, data)
    _lock_statement(session, speaker_id, description, data["text"])
    existing = _find_statement(session, speaker_id, description, data["text"])
    if existing is not None:
        _merge_into(session, existing, data)
        return existing, False
    fields = {k: data[k] for k in FIELDS if k in data} | {
        "speaker_id": speaker_id,
        "speaker_description": description,
    }
    quote = Quote(**fields)
    _index_text(quote)
    _add_from_body(session, quote, data)
    session.add(quote)
    session.flush()
    record_change(session, "quote", quote.id, "create", _history_view(quote))
    return quote, True


def update_quote(session: Session, quote: Quote, changes: dict) -> Quote:
    """Apply a PATCH to a quote's own fields; 422 if the quote it leaves would break a
    rule a new quote keeps (see `rule_errors`)."""
    before = _history_view(quote)
    after = _changed(quote, changes)
    if errors := rule_errors(after):
        abort(422, errors=errors)
    if "speaker_id" in changes:  # the object too, so that the answer shows the new speaker
        quote.speaker = None if after["speaker_id"] is None else get_speaker(session, after["speaker_id"])
    for name in FIELDS:
        if after[name] != getattr(quote, name):
            setattr(quote, name, after[name])
    _index_text(quote)
    _record(session, quote, before, "retract" if changes.get("status") == "retracted" else "update")
    return quote


def _changed(quote: Quote, changes: dict) -> dict:
    """A quote's fields after a PATCH, with what the change implies: naming a speaker
    replaces an unnamed source's description, no date has no precision, and a date
    given without a precision is known to the day."""
    after = {name: getattr(quote, name) for name in FIELDS} | changes
    if changes.get("speaker_id") is not None and "speaker_description" not in changes:
        after["speaker_description"] = None
    if after["said_on"] is None and "said_on_precision" not in changes:
        after["said_on_precision"] = None
    elif after["said_on_precision"] is None:
        after["said_on_precision"] = "day"
    return after


def retract_quote(session: Session, quote: Quote, note: str | None) -> Quote:
    """Mark a quote retracted; the record and its citations stay readable."""
    return update_quote(session, quote, {"status": "retracted", "status_note": note or "Retracted."})


def fold_quote(session: Session, duplicate: Quote, kept: Quote) -> None:
    """Fold a second record of the same statement into the one that stays (when their
    speakers merge): its citations, translations and topics join `kept`, its id forwards there."""
    before = _history_view(kept)
    _add_new(
        kept,
        (
            Citation(source=c.source, printed_text=c.printed_text, attribution=c.attribution, via=c.via)
            for c in duplicate.citations
        ),
        (
            Translation(lang=t.lang, text=t.text, translator=t.translator, search_text=t.search_text)
            for t in duplicate.translations
        ),
        duplicate.topics,
    )
    record_change(
        session, "quote", duplicate.id, "merge", {"merged_into": {"before": None, "after": kept.id}}
    )
    forward(session, "quote", duplicate.id, kept.id)
    session.delete(duplicate)
    _record(session, kept, before, "merge")


def _index_text(quote: Quote) -> None:
    """Derive the duplicate-detection hash and the search text from the quote's text."""
    quote.text_hash = statement_hash(quote.text)
    quote.search_text = search_text(quote.text, quote.lang)


def _speaker_ids(value: str) -> Select:
    record_id = as_record_id(value)
    if record_id is not None:
        return select(Speaker.id).where(Speaker.id == current_id("speaker", record_id))
    return speaker_ids_named(value)


def _quotes_cited_by(value: str) -> Select:
    return select(Citation.quote_id).where(Citation.source_id.in_(_source_ids(value)))


def _source_ids(value: str) -> Select:
    record_id = as_record_id(value)
    if record_id is not None:
        return select(Source.id).where(Source.id == record_id)
    return select(Source.id).where(Source.url == canonical_url(value))


def _resolve_speaker(session: Session, data: dict) -> tuple[int | None, str | None]:
    if "speaker_id" in data:
        speaker_id = forwarding_address(session, "speaker", data["speaker_id"]) or data["speaker_id"]
        return get_speaker(session, speaker_id).id, None
    if "speaker" in data:
        return match_or_create_speaker(session, data["speaker"]).id, None
    return None, data["speaker_description"]


def _lock_statement(session: Session, speaker_id, description, text: str) -> None:
    """Wait until no other transaction is recording this statement; keep it until this
    one ends. Of several requests posting one new statement at once, the first creates
    the quote and the others then find it and add their citations to it."""
    who = func.lower(description) if speaker_id is None else str(speaker_id)
    key = func.concat_ws(":", "statement", who, statement_hash(text).hex())
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _find_statement(session: Session, speaker_id, description, text: str) -> Quote | None:
    """The quote on record for this statement, locked: a concurrent change of it waits."""
    stmt = (
        select(Quote)
        .options(*LOAD_EMBEDDED)
        .where(Quote.text_hash == statement_hash(text))
        .with_for_update(of=Quote)
    )
    if speaker_id is not None:
        stmt = stmt.where(Quote.speaker_id == speaker_id)
    else:
        stmt = stmt.where(
            Quote.speaker_id.is_(None),
            func.lower(Quote.speaker_description) == description.lower(),
        )
    return session.scalar(stmt)


def _citation(session: Session, data: dict) -> Citation:
    source = (
        get_source(session, data["source_id"])
        if "source_id" in data
        else match_or_create_source(session, data["source"])
    )
    details = {k: data.get(k) for k in ("printed_text", "attribution", "via")}
    return Citation(source=source, **details)


def _add_from_body(session: Session, quote: Quote, data: dict) -> None:
    """Add the citations, translations and topics of a request body the quote lacks."""
    translations = (
        Translation(**t, search_text=search_text(t["text"], t["lang"])) for t in data["translations"]
    )
    citations = (_citation(session, c) for c in data["citations"])
    _add_new(quote, citations, translations, data.get("topics", []))


def _add_new(
    quote: Quote, citations: Iterable[Citation], translations: Iterable[Translation], topics: Iterable[str]
) -> None:
    """Add the citations (one per source), translations (one per language and text) and
    topics the quote does not have yet."""
    cited = {c.source.id for c in quote.citations}
    for citation in citations:
        if citation.source.id not in cited:
            quote.citations.append(citation)
            cited.add(citation.source.id)
    known = {(t.lang, t.text) for t in quote.translations}
    for translation in translations:
        if (translation.lang, translation.text) not in known:
            quote.translations.append(translation)
            known.add((translation.lang, translation.text))
    new_topics = [t for t in topics if t not in quote.topics]
    if new_topics:
        quote.topics = [*quote.topics, *new_topics]


def _merge_into(session: Session, quote: Quote, data: dict) -> None:
    before = _history_view(quote)
    _add_from_body(session, quote, data)
    _record(session, quote, before, "update")


def _record(session: Session, quote: Quote, before: dict, action: str) -> None:
    changes = diff(before, _history_view(quote))
    if changes:
        quote.updated_at = func.now()  # also bumps the version for new citations
        session.flush()
        record_change(session, "quote", quote.id, action, changes)


def _history_view(quote: Quote) -> dict:
    view = snapshot(quote, FIELDS)
    view["citations"] = [c.source.id for c in quote.citations]
    view["translations"] = [snapshot(t, ("lang", "text", "translator")) for t in quote.translations]
    return view
