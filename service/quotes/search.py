"""Full-text search of quotes (`q`), answered by the search index.

The index finds, filters and orders the matches (BM25 relevance, or the date said);
the page's records are then read from PostgreSQL by id, and their highlights are
made from those records with the index's own analysers (see service/search).

Pages continue exactly from a cursor: by date, through a range query on the (day
said, id) sort key; by relevance, through the keys (score, day said, id) of the best
RELEVANCE_DEPTH matches, ranked in that order.
"""

import re
from collections.abc import Callable
from functools import lru_cache
from html import escape

import tantivy
from flask_smorest import abort
from tantivy import FieldType, Occur, Order, Query

from service.search.documents import ANALYZERS, ID_BITS, NO_DATE, sort_key, text_field
from service.search.query import Search, to_query
from service.text import search_text

RELEVANCE_DEPTH = 1000  # matches ranked by relevance; sort=said_on pages through all
FIRST_FETCH = 100
HIGHLIGHT_WORDS = 30  # a longer text is shown as up to two fragments around its matches
FRAGMENT_WORDS = 15
FRAGMENT_LEAD = 3
_WORD = re.compile(r"[^\W_]+")
_LOW_BITS = (1 << ID_BITS) - 1
# (lang, text) pairs (a quote's text, then its translations') -> the highlight, or None
Highlight = Callable[[list[tuple[str, str]]], str | None]


def index_query(search: Search, schema: tantivy.Schema, filters: dict) -> Query:
    """The search and the filters (resolved to index values: lists of terms, or a
    (from, to) range of days for `said_day`) as one query; filters do not score."""
    clauses = [(Occur.Must, to_query(search, schema))]
    for name, values in filters.items():
        if name == "said_day":
            match = Query.range_query(schema, name, FieldType.Integer, *values)
        elif len(values) == 1:
            # A term's postings are skipped through alongside the search's own; a term set
            # first marks every document of every term (all the English quotes for
            # lang=en), which made such a search ten times slower.
            match = Query.term_query(schema, name, values[0], index_option="basic")
        else:
            match = Query.term_set_query(schema, name, values)
        clauses.append((Occur.Must, Query.const_score_query(match, 0.0)))
    return Query.boolean_query(clauses)


def ranked(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query, sort: str, wanted: int, cursor):
    """The sort keys of up to `wanted` matches after `cursor` (the keys of the last
    row of the previous page), in page order; the quote id is the last key."""
    if sort == "relevance":
        return _by_relevance(searcher, query, wanted, cursor)
    ascending = sort == "said_on"
    field = "said_asc" if ascending else "said_desc"
    if cursor is not None:
        after = sort_key(*_checked(cursor, 2), 0)
        bounds = (after, None, False, True) if ascending else (None, after, True, False)
        since = Query.range_query(schema, field, FieldType.Integer, *bounds)
        query = Query.boolean_query([(Occur.Must, query), (Occur.Must, since)])
    order = Order.Asc if ascending else Order.Desc
    hits = searcher.search(query, wanted, count=False, order_by_field=field, order=order).hits
    return [[key >> ID_BITS, key & _LOW_BITS] for key, _ in hits]


def matching_ids(searcher: tantivy.Searcher, query: Query) -> list[int]:
    """The ids of every quote `query` matches (for an export: all of them, unranked)."""
    hits = searcher.search(query, max(1, searcher.num_docs), count=False, order_by_field="said_asc").hits
    return [key & _LOW_BITS for key, _ in hits]


def _by_relevance(searcher: tantivy.Searcher, query: Query, wanted: int, cursor) -> list:
    """Ranked by (score, day said, id), all descending, among the best RELEVANCE_DEPTH.

    The index orders equal scores its own way, so of a fetch that stopped short of
    every match only the scores above its lowest are complete; fetch more until
    those are enough for the page."""
    after = None if cursor is None else (cursor[0], *_checked(cursor, 3))
    fetch = min(RELEVANCE_DEPTH, max(FIRST_FETCH, 4 * wanted))
    while True:
        hits = searcher.search(query, fetch, count=False).hits
        complete = len(hits) < fetch or fetch == RELEVANCE_DEPTH
        keys = searcher.fast_field_values("said_desc", [address for _, address in hits])
        rows = [
            (float(score), key >> ID_BITS, key & _LOW_BITS)
            for (score, _), key in zip(hits, keys, strict=True)
        ]
        if not complete:
            lowest = rows[-1][0]
            rows = [row for row in rows if row[0] > lowest]
            if not rows:  # one score for all (a word typed in part, exclusions only)
                fetch = RELEVANCE_DEPTH
                continue
        rows = sorted((row for row in rows if after is None or row < after), reverse=True)
        if complete or len(rows) >= wanted:
            return [list(row) for row in rows[:wanted]]
        fetch = min(RELEVANCE_DEPTH, fetch * 4)


def _checked(keys: list, length: int) -> tuple[int, int]:
    """A cursor's day and id, 400 unless it has `length` keys ending in a day and an
    id as a `next` link holds them."""
    if len(keys) == length:
        day, quote_id = keys[-2:]
        if (
            isinstance(day, int)
            and isinstance(quote_id, int)
            and abs(day) <= NO_DATE
            and 0 < quote_id <= _LOW_BITS
        ):
            return day, quote_id
    abort(
        400, errors={"cursor": ["This cursor belongs to another sort order, or is not from a `next` link."]}
    )


def highlighter(search: Search) -> Highlight:
    """What highlights a page's quotes for `search`: given a quote's texts ((lang, text)
    pairs: the quote's, then its translations'), the first holding a searched word, as
    up to two fragments with those words in <mark>, HTML escaped; None when none holds one."""
    wanted: dict[str, set[str]] = {}
    for term in search.terms:
        for field, tokens in term.tokens:
            wanted.setdefault(field, set()).update(tokens)
    prefixes = tuple(term.prefix for term in search.terms if term.prefix)

    def matches(field: str, lang: str, word: str) -> bool:
        token, plain = _analysed(field, lang, word)
        return token is not None and (
            token in wanted.get(field, ())
            or bool(prefixes)
            and (token.startswith(prefixes) or plain.startswith(prefixes))
        )

    def highlight(texts: list[tuple[str, str]]) -> str | None:
        for lang, text in texts:
            field, words = text_field(lang), list(_WORD.finditer(text))
            marked = {i for i, word in enumerate(words) if matches(field, lang, word.group())}
            if marked:
                return _fragments(text, words, marked)
        return None

    return highlight


@lru_cache(maxsize=200_000)
def _analysed(field: str, lang: str, word: str) -> tuple[str | None, str]:
    """A word as the index holds it in `field` (None if it holds none), and its plain form."""
    tokens = ANALYZERS[field].analyze(search_text(word, lang) or word)
    plain = ANALYZERS["plain"].analyze(word)
    return (tokens[0] if tokens else None), (plain[0] if plain else "")


def _fragments(text: str, words: list[re.Match], marked: set[int]) -> str:
    """The text (or two windows of it around marked words) with those words in <mark>."""
    if len(words) <= HIGHLIGHT_WORDS:
        return _marked(text, words, marked, 0, len(words), whole=True)
    first = max(0, min(marked) - FRAGMENT_LEAD)
    windows = [(first, min(len(words), first + FRAGMENT_WORDS))]
    later = [i for i in sorted(marked) if i >= windows[0][1]]
    if later:
        start = max(windows[0][1], later[0] - FRAGMENT_LEAD)
        windows.append((start, min(len(words), start + FRAGMENT_WORDS)))
    return " … ".join(_marked(text, words, marked, start, end) for start, end in windows)


def _marked(text: str, words: list[re.Match], marked: set[int], start: int, end: int, whole=False) -> str:
    begin = 0 if whole else words[start].start()
    finish = len(text) if whole else words[end - 1].end()
    parts, position = [], begin
    for i in range(start, end):
        if i in marked:
            word = words[i]
            parts += [_escaped(text[position : word.start()]), "<mark>", _escaped(word.group()), "</mark>"]
            position = word.end()
    parts.append(_escaped(text[position:finish]))
    return "".join(parts)


def _escaped(text: str) -> str:
    """HTML-escaped, so the only markup in a highlight is <mark> (quote marks kept as typed)."""
    return escape(text, quote=False)
