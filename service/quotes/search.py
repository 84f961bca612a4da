"""Full-text search over quotes and their translations.

Text is indexed stemmed in its own language (English, Russian; other languages
unstemmed), stop words kept (so a phrase like "in charge" can be matched), accents
folded and British spellings folded to American (see the `search_vector` columns).
A query is parsed in each of those forms, so it finds a quote in any language it
was recorded or translated in.
"""

import re
from functools import reduce

from sqlalchemy import ColumnElement, Double, Subquery, case, cast, func, select, union_all

from service.quotes.models import Quote, Translation
from service.text import search_text

RELEVANCE_CANDIDATES = 2000
CONFIGS = ("onrecord_english", "onrecord_russian", "simple")
HIGHLIGHT = "StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MinWords=8, MaxWords=30"
_TRAILING_WORD = re.compile(r"(?:^|[\s(])(\w+)$")


def search_query(q: str) -> ColumnElement:
    """The tsquery for `q` in web-search syntax ("a phrase", `or`, -exclusion). The last
    word may be typed in part: it matches as itself (stemmed) or as the start of a word
    (`denucl` finds `denuclearization`). The prefix is matched once, unstemmed: a stem
    can be far shorter than the word, and each prefix scan of the index is costly."""
    head, last = _split_prefix(search_text(q, "en") or q)
    query = _any_config(lambda config: func.websearch_to_tsquery(config, func.onrecord_unaccent(head)))
    if last:
        whole = _any_config(lambda config: func.plainto_tsquery(config, func.onrecord_unaccent(last)))
        # Quoted: a \w+ word holds no tsquery syntax, but unaccenting it may add some
        # (PostgreSQL 18 makes `x¾` `x 3/4`).
        prefix = func.quote_literal(func.onrecord_unaccent(last)).op("||")(":*")
        typed = whole.op("||")(func.to_tsquery("simple", prefix))
        query = query.op("&&")(typed)
    return query


def _any_config(parse) -> ColumnElement:
    """`parse(config)` for every search configuration, OR-ed."""
    return reduce(lambda a, b: a.op("||")(b), (parse(config) for config in CONFIGS))


def _split_prefix(q: str) -> tuple[str, str | None]:
    """`q` without its last word, and that word, when the user may still be typing it
    (not inside a quoted phrase, not an exclusion, not followed by a space)."""
    match = _TRAILING_WORD.search(q)
    if match is None or q.count('"') % 2:
        return q, None
    return q[: match.start(1)], match.group(1)


def ranked_matches(q: str, capped: bool) -> Subquery:
    """(quote_id, rank, said_on) of every quote whose text or a translation matches `q`.

    `capped`: rank only the first RELEVANCE_CANDIDATES matches found in each table.
    Ranking reads every match from the heap (some 3-4 us each), so a word found in
    tens of thousands of quotes would otherwise take hundreds of milliseconds; sorting
    by date (`sort=said_on`) always sees every match."""
    query = search_query(q)
    own = select(
        Quote.id.label("quote_id"), func.ts_rank(Quote.search_vector, query).label("rank"), Quote.said_on
    ).where(Quote.search_vector.op("@@")(query))
    translated = (
        select(Translation.quote_id, func.ts_rank(Translation.search_vector, query), Quote.said_on)
        .join(Quote, Quote.id == Translation.quote_id)
        .where(Translation.search_vector.op("@@")(query))
    )
    if capped:
        own, translated = own.limit(RELEVANCE_CANDIDATES), translated.limit(RELEVANCE_CANDIDATES)
    hits = union_all(own, translated).subquery("hits")
    return (
        select(
            hits.c.quote_id,
            # Double precision: the rank travels in page cursors and must compare exactly.
            cast(func.max(hits.c.rank), Double).label("rank"),
            func.max(hits.c.said_on).label("said_on"),
        )
        .group_by(hits.c.quote_id)
        .subquery("matches")
    )


def highlight(q: str) -> ColumnElement:
    """A snippet of the matching text (the quote's, else a translation's) with the
    matched words in <mark>...</mark>."""
    query = search_query(q)
    from_translation = (
        select(
            func.ts_headline(
                func.onrecord_search_config(Translation.lang), Translation.text, query, HIGHLIGHT
            )
        )
        .where(Translation.quote_id == Quote.id, Translation.search_vector.op("@@")(query))
        .limit(1)
        .scalar_subquery()
    )
    from_quote = func.ts_headline(func.onrecord_search_config(Quote.lang), Quote.text, query, HIGHLIGHT)
    return case((Quote.search_vector.op("@@")(query), from_quote), else_=from_translation)
