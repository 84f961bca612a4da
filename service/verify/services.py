"""Fact-checking a claimed quote against everything on record.

Candidates come from the search index: texts holding the claim's distinctive (rarest)
words, all but one or two of them (so a swapped, dropped or inserted word still finds
the quote), in every language's analysis, over quotes and their translations; the
best ranked are read from PostgreSQL and compared word for word (see matching.py).
The verdict follows from who said the closest wording.
"""

from dataclasses import dataclass
from itertools import combinations

import tantivy
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tantivy import Occur, Query

from service.quotes.models import Quote, Translation
from service.quotes.services import JOIN_EMBEDDED
from service.search.documents import ANALYZERS
from service.search.index import search_index
from service.search.query import normalise
from service.speakers.models import Speaker
from service.speakers.services import name_closeness
from service.verify.matching import Comparison, compare

CLOSE = 0.75  # the lowest score reported as a match
CANDIDATES = 40
DISTINCTIVE_WORDS = 8
TWO_CHANGES_FROM = 6  # words; a shorter claim may differ in one
CLAIMED_SPEAKER_MIN_SCORE = 0.6
FLAGGED_STATUSES = ("disputed", "misattributed")


@dataclass
class Match:
    """A recorded quote close to the claim."""

    quote: Quote
    score: float
    match: str
    differences: list[dict]


def verify(session: Session, text: str, speaker: str | None = None) -> dict:
    """The verdict on a claimed quote, with the best matches and their citations."""
    claimed_speakers = _claimed_speakers(session, speaker) if speaker else None
    matches = _matches(session, text, {s.id for s in claimed_speakers or []})
    verdict = _verdict(matches, claimed_speakers)
    return {
        "verdict": verdict,
        "claimed": {
            "text": text,
            "speaker": speaker,
            "speaker_known": bool(claimed_speakers) if speaker else None,
            "speakers": claimed_speakers or [],
        },
        "summary": _summary(verdict, matches, speaker, claimed_speakers),
        "matches": matches,
        "warnings": [
            f"Quote {m.quote.id} is marked {m.quote.status}: {m.quote.status_note}"
            for m in matches
            if m.quote.status in FLAGGED_STATUSES
        ],
    }


def _claimed_speakers(session: Session, name: str) -> list[Speaker]:
    """The speakers the claimed name most likely means (ties all count)."""
    closeness = name_closeness(name)
    rows = session.execute(
        select(closeness.c.speaker_id, closeness.c.score)
        .where(closeness.c.score >= CLAIMED_SPEAKER_MIN_SCORE)
        .order_by(closeness.c.score.desc())
        .limit(20)
    ).all()
    best = rows[0].score if rows else None
    ids = [row.speaker_id for row in rows if row.score >= best - 0.05] if rows else []
    return session.scalars(select(Speaker).where(Speaker.id.in_(ids)).order_by(Speaker.id)).all()


def _matches(session: Session, text: str, claimed_ids: set[int]) -> list[Match]:
    """Recorded quotes close to the claim, best first (the claimed speaker's first on a tie).
    Candidates differing in one word are looked for first; two only when that finds
    nothing close (the wider search costs several times more). Only the wordings of
    the candidates are read to compare them; the whole records of the close ones after."""
    best = _closest(text, _candidates(session, text, changes=1))
    if not best and len(text.split()) >= TWO_CHANGES_FROM:
        best = _closest(text, _candidates(session, text, changes=2))
    quotes = session.scalars(select(Quote).options(*JOIN_EMBEDDED).where(Quote.id.in_(best))).unique()
    matches = [_match(quote, best[quote.id]) for quote in quotes]
    return sorted(matches, key=lambda m: (-m.score, m.quote.speaker_id not in claimed_ids, m.quote.id))


def _closest(text: str, candidates) -> dict[int, tuple[Comparison, bool]]:
    """For each candidate (id, text, translations' texts) close enough to the claim, its
    best comparison (its own text or a translation) and whether that was a translation."""
    best: dict[int, tuple[Comparison, bool]] = {}
    for quote_id, own, translated in candidates:
        for recorded, is_translation in [(own, False), *((t, True) for t in translated)]:
            comparison = compare(text, recorded)
            if comparison.score >= CLOSE and (
                quote_id not in best or comparison.score > best[quote_id][0].score
            ):
                best[quote_id] = (comparison, is_translation)
    return best


def _match(quote: Quote, found: tuple[Comparison, bool]) -> Match:
    comparison, is_translation = found
    kind = "translation" if is_translation and comparison.match != "close" else comparison.match
    return Match(quote, comparison.score, kind, comparison.differences)


def _candidates(session: Session, text: str, changes: int) -> list:
    """(id, text, translations' texts) of the best candidate quotes, retracted ones left
    out; none for a claim without a single searchable word (only punctuation, say)."""
    index = search_index()
    searcher = index.searcher()
    query = candidates_query(searcher, index.schema, text, changes)
    if query is None:
        return []
    hits = searcher.search(query, CANDIDATES, count=False).hits
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    translated = select(func.array_agg(Translation.text)).where(Translation.quote_id == Quote.id)
    stmt = select(Quote.id, Quote.text, translated.scalar_subquery()).where(
        Quote.id.in_(ids), Quote.status != "retracted"
    )
    return [(quote_id, own, translations or []) for quote_id, own, translations in session.execute(stmt)]


def candidates_query(searcher: tantivy.Searcher, schema: tantivy.Schema, text: str, changes: int = 1):
    """The query for texts holding all of the claim's distinctive (rarest) words but
    `changes` of them (one only below TWO_CHANGES_FROM words), in any field, ranked by
    BM25; None when the claim has no word the index holds.

    Written as alternatives of word sets that must all match (`(b c) or (a c) or (a b)`):
    each is an intersection led by its rarest word, far cheaper than counting matches
    over the union of every word's postings."""
    folded = normalise(text)
    alternatives = []
    for field, analyzer in ANALYZERS.items():
        held = {token: searcher.doc_freq(field, token) for token in set(analyzer.analyze(folded))}
        words = sorted((t for t, count in held.items() if count), key=lambda t: (held[t], -len(t), t))
        words = words[:DISTINCTIVE_WORDS]
        if not words:
            continue
        keep = max(1, len(words) - (changes if len(words) >= TWO_CHANGES_FROM else 1))
        for kept in combinations(words, keep):
            terms = [(Occur.Must, Query.term_query(schema, field, word)) for word in kept]
            alternatives.append((Occur.Should, Query.boolean_query(terms)))
    if not alternatives:
        return None
    retracted = Query.term_query(schema, "status", "retracted")
    return Query.boolean_query([(Occur.Must, Query.boolean_query(alternatives)), (Occur.MustNot, retracted)])


def _verdict(matches: list[Match], claimed: list[Speaker] | None) -> str:
    if not matches:
        return "not_found"
    verbatim = ("exact", "excerpt", "translation")
    if claimed is None:
        return "verified" if matches[0].match in verbatim else "altered"
    ids = {s.id for s in claimed}
    theirs = [m for m in matches if m.quote.speaker_id in ids]
    if not theirs or (matches[0].match in verbatim and theirs[0].match not in verbatim):
        return "misattributed"
    return "verified" if theirs[0].match in verbatim else "altered"


def _summary(verdict: str, matches: list[Match], speaker: str | None, claimed: list[Speaker] | None) -> str:
    """One sentence a fact-checker can read out."""
    if verdict == "not_found":
        return "Nothing close to this is on record."
    said_by = _said_by(
        matches[0] if verdict != "verified" or claimed is None else _first_by(matches, claimed)
    )
    if verdict == "verified":
        return f"{said_by} said this."
    if verdict == "altered":
        return f"{said_by} said something close, in different words."
    unknown = "" if claimed else f" ({speaker} is not on record)"
    return f"{said_by} said this, not {speaker}{unknown}."


def _first_by(matches: list[Match], claimed: list[Speaker]) -> Match:
    ids = {s.id for s in claimed}
    return next(m for m in matches if m.quote.speaker_id in ids)


def _said_by(match: Match) -> str:
    quote = match.quote
    who = quote.speaker.name if quote.speaker else quote.speaker_description
    return f"{who}, on {quote.said_on.isoformat()}," if quote.said_on else who
