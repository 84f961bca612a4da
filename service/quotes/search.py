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

CONFIGS = ("onrecord_english", "onrecord_russian", "simple")
HIGHLIGHT = "StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MinWords=8, MaxWords=30"
_TRAILING_WORD = re.compile(r"(?:^|[\s(])(\w+)$")


def search_query(q: str) -> ColumnElement:
    """The tsquery for `q` in web-search syntax ("a phrase", `or`, -exclusion); a word
    typed in part at the end matches as a prefix (`denucl` finds `denuclearization`)."""
    head, prefix = _split_prefix(search_text(q, "en") or q)
    parts = []
    for config in CONFIGS:
        part = func.websearch_to_tsquery(config, func.onrecord_unaccent(head))
        if prefix:
            part = part.op("&&")(func.to_tsquery(config, func.onrecord_unaccent(prefix + ":*")))
        parts.append(part)
    return reduce(lambda a, b: a.op("||")(b), parts)


def _split_prefix(q: str) -> tuple[str, str | None]:
    """`q` without its last word, and that word, when the user may still be typing it
    (not inside a quoted phrase, not an exclusion, not followed by a space)."""
    match = _TRAILING_WORD.search(q)
    if match is None or q.count('"') % 2:
        return q, None
    return q[: match.start(1)], match.group(1)


def ranked_matches(q: str) -> Subquery:
    """(quote_id, rank) of every quote whose text or a translation matches `q`."""
    query = search_query(q)
    own = select(Quote.id.label("quote_id"), func.ts_rank(Quote.search_vector, query).label("rank")).where(
        Quote.search_vector.op("@@")(query)
    )
    translated = select(Translation.quote_id, func.ts_rank(Translation.search_vector, query)).where(
        Translation.search_vector.op("@@")(query)
    )
    hits = union_all(own, translated).subquery("hits")
    return (
        # Double precision: the rank travels in page cursors and must compare exactly.
        select(hits.c.quote_id, cast(func.max(hits.c.rank), Double).label("rank"))
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
