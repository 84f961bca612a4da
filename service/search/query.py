"""A search (`q`) read as the user meant it, bounded, and turned into a tantivy query.

Syntax as a web search engine's: words (all must match), "a phrase", `or` between two
terms, `-word` or `-"a phrase"` to exclude, and the last word may be typed in part
(`denucl` finds `denuclearization`). Every word is analysed for each text field (see
documents.py), so a query finds a quote in any language it was recorded or
translated in.

Bounded: the text is normalised (NFKC: full-width and other compatibility forms
become plain letters; invisible format characters are dropped), terms that analyse
the same are kept once, a typed-in-part word expands to at most the first 50 words
of each field that start with it (tantivy's bound for a phrase prefix), and a query
with more than MAX_TERMS distinct terms or MAX_WORDS words is refused (400): its cost
would grow with its length.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from flask_smorest import abort
from tantivy import Occur, Query, Schema

from service.search.documents import ANALYZERS, pairs_field, word_pairs
from service.text import search_text

MAX_TERMS = 16
MAX_WORDS = 32
MIN_PREFIX = 3  # a shorter word typed in part matches as a whole word only
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_ENDS_IN_WORD = re.compile(r"[^\W_]$")


@dataclass(frozen=True)
class Term:
    """A word or a phrase, as each text field's analyser reads it; `prefix` (the plain
    form of a last word typed in part) also matches words that start with it."""

    tokens: tuple[tuple[str, tuple[str, ...]], ...]
    prefix: str | None = None

    @property
    def words(self) -> int:
        return max(len(tokens) for _, tokens in self.tokens)


@dataclass
class Search:
    """All of `groups` (each matched by any of its terms), none of `excluded`."""

    groups: list[tuple[Term, ...]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        """Every distinct term that must or may match (the ones to highlight)."""
        return list(dict.fromkeys(term for group in self.groups for term in group))

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded


def normalise(q: str) -> str:
    """Compatibility forms folded, format characters (zero-width and the like) dropped,
    British spellings made American."""
    text = "".join(c for c in unicodedata.normalize("NFKC", q) if unicodedata.category(c) != "Cf")
    return search_text(text, "en") or text


def analyse(text: str, prefix: bool = False) -> Term | None:
    """The term `text` is in every field, None when it holds no searchable word."""
    tokens = tuple((name, tuple(analyzer.analyze(text))) for name, analyzer in ANALYZERS.items())
    plain = dict(tokens)["plain"]
    if not plain:
        return None
    typed = plain[0] if prefix and len(plain) == 1 and len(plain[0]) >= MIN_PREFIX else None
    return Term(tuple((name, words) for name, words in tokens if words), typed)


def parse(q: str) -> Search:
    """The search `q` asks for; 400 when it has too many terms to answer cheaply."""
    text = normalise(q)
    matches = list(_TOKEN.finditer(text))
    search, joined = Search(), False
    for number, match in enumerate(matches):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            joined = bool(search.groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        last = number == len(matches) - 1 and bare is not None and not negated
        term = analyse(phrase if bare is None else bare, prefix=last and bool(_ENDS_IN_WORD.search(text)))
        if term is None:
            continue
        if negated:
            search.excluded.append(term)
        elif joined:
            search.groups[-1] += (term,)
        else:
            search.groups.append((term,))
        joined = False
    return _bounded(search)


def _bounded(search: Search) -> Search:
    """`search` with repeated terms and groups kept once; 400 past the limits."""
    groups = list(dict.fromkeys(tuple(dict.fromkeys(group)) for group in search.groups))
    bounded = Search(groups, list(dict.fromkeys(search.excluded)))
    distinct = set(bounded.terms) | set(bounded.excluded)
    words = sum(term.words for term in distinct)
    if len(distinct) > MAX_TERMS or words > MAX_WORDS:
        abort(
            400,
            errors={
                "q": [
                    f"Too complex: {len(distinct)} distinct terms and {words} words; "
                    f"a search may have up to {MAX_TERMS} terms and {MAX_WORDS} words."
                ]
            },
        )
    return bounded


def to_query(search: Search, schema: Schema) -> Query:
    """The tantivy query for `search` (scored by BM25); matches nothing when empty."""
    if search.empty:
        return Query.empty_query()
    clauses = [(Occur.Must, _any(schema, group)) for group in search.groups]
    if not clauses:
        clauses.append((Occur.Must, Query.all_query()))
    clauses += [(Occur.MustNot, _term(schema, term)) for term in search.excluded]
    return Query.boolean_query(clauses)


def _any(schema: Schema, terms: tuple[Term, ...]) -> Query:
    if len(terms) == 1:
        return _term(schema, terms[0])
    return Query.boolean_query([(Occur.Should, _term(schema, term)) for term in terms])


def _term(schema: Schema, term: Term) -> Query:
    """The term in any text field (and, typed in part, any word it starts)."""
    alternatives = [_in_field(schema, name, tokens) for name, tokens in term.tokens]
    if term.prefix:
        alternatives += [Query.phrase_prefix_query(schema, name, [term.prefix]) for name in ANALYZERS]
    if len(alternatives) == 1:
        return alternatives[0]
    return Query.boolean_query([(Occur.Should, query) for query in alternatives])


def _in_field(schema: Schema, name: str, tokens: tuple[str, ...]) -> Query:
    """A word, or a phrase as its pairs of words: one term for two words, else a phrase of pairs."""
    if len(tokens) == 1:
        return Query.term_query(schema, name, tokens[0])
    pairs = word_pairs(tokens)
    if len(pairs) == 1:
        return Query.term_query(schema, pairs_field(name), pairs[0])
    return Query.phrase_query(schema, pairs_field(name), pairs)
