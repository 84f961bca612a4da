"""Fact-checking a claimed quote against everything on record.

Candidates come from the full-text index: the claim's rarest words, with one or two
of them allowed to differ (so a swapped word still finds the quote), in every
search configuration, over quotes and translations. Each candidate is then compared
word for word (see matching.py) and the verdict follows from who said the closest
wording.
"""

import time
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import Boolean, Select, func, literal, select, union_all
from sqlalchemy import text as text_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from service.quotes.models import Quote, Translation
from service.quotes.search import CONFIGS
from service.quotes.services import LOAD_EMBEDDED
from service.speakers.models import Speaker
from service.speakers.services import name_closeness
from service.text import search_text
from service.verify.matching import Comparison, compare

FREQUENCIES_MAX_AGE = 300  # seconds
COMMON_WORDS = text_(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
    " WHERE schemaname = current_schema() AND tablename = 'quotes' AND attname = 'search_vector'"
)
_frequencies: dict = {"at": float("-inf"), "words": {}}
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
    nothing close (the wider search costs several times more)."""
    best = _closest(text, _candidates(session, text, changes=1))
    if not best and len(text.split()) >= TWO_CHANGES_FROM:
        best = _closest(text, _candidates(session, text, changes=2))
    quotes = session.scalars(select(Quote).options(*LOAD_EMBEDDED).where(Quote.id.in_(best))).all()
    matches = [_match(quote, *best[quote.id]) for quote in quotes]
    return sorted(matches, key=lambda m: (-m.score, m.quote.speaker_id not in claimed_ids, m.quote.id))


def _closest(text: str, candidates: list[tuple[int, str, bool]]) -> dict[int, tuple[Comparison, bool]]:
    """For each candidate quote close enough to the claim, its best comparison (its own
    text or a translation) and whether that was a translation."""
    best: dict[int, tuple[Comparison, bool]] = {}
    for quote_id, recorded, is_translation in candidates:
        comparison = compare(text, recorded)
        if comparison.score >= CLOSE and (quote_id not in best or comparison.score > best[quote_id][0].score):
            best[quote_id] = (comparison, is_translation)
    return best


def _match(quote: Quote, comparison: Comparison, is_translation: bool) -> Match:
    kind = "translation" if is_translation and comparison.match != "close" else comparison.match
    return Match(quote, comparison.score, kind, comparison.differences)


def _candidates(session: Session, text: str, changes: int) -> list[tuple[int, str, bool]]:
    """(quote_id, recorded text, is it a translation) of the best candidates; none for a
    claim without a single searchable word (only punctuation, say)."""
    statement = candidates_statement(session, text, changes)
    if statement is None:
        return []
    return [tuple(row[:3]) for row in session.execute(statement)]


def candidates_statement(session: Session, text: str, changes: int = 1) -> Select | None:
    """The quotes and translations holding the claim's distinctive words, all but
    `changes` of them at least, best ranked first; retracted quotes left out. None
    when the claim has no searchable word."""
    words = _distinctive_words_query(session, text, changes)
    if not words:
        return None
    query = literal(words, TSQUERY)
    own = select(Quote.id, Quote.text, literal(False, Boolean), func.ts_rank(Quote.search_vector, query))
    own = own.where(Quote.search_vector.op("@@")(query), Quote.status != "retracted")
    translated = (
        select(
            Translation.quote_id,
            Translation.text,
            literal(True, Boolean),
            func.ts_rank(Translation.search_vector, query),
        )
        .join(Quote, Quote.id == Translation.quote_id)
        .where(Translation.search_vector.op("@@")(query), Quote.status != "retracted")
    )
    candidates = union_all(own, translated).subquery()
    return select(candidates).order_by(candidates.c[3].desc()).limit(CANDIDATES)


def _distinctive_words_query(session: Session, text: str, changes: int) -> str:
    """A tsquery matching texts that hold all of the claim's distinctive (rarest) words
    but `changes` of them (one only below TWO_CHANGES_FROM words), parsed in each search
    configuration: `(b & c) | (a & c) | (a & b)`."""
    folded = search_text(text, "en") or text
    frequency = _lexeme_frequencies(session)
    clauses = []
    for config in CONFIGS:
        lexemes = session.scalar(
            select(func.tsvector_to_array(func.to_tsvector(config, func.onrecord_unaccent(folded))))
        )
        rarest = sorted(set(lexemes), key=lambda w: (frequency.get(w, 0.0), -len(w), w))
        words = rarest[:DISTINCTIVE_WORDS]
        quoted = [_tsquery_literal(w) for w in words]
        keep = max(1, len(quoted) - (changes if len(quoted) >= TWO_CHANGES_FROM else 1))
        clauses += ["(" + " & ".join(kept) + ")" for kept in combinations(quoted, keep)]
    return " | ".join(clauses)


def _lexeme_frequencies(session: Session) -> dict[str, float]:
    """How often the most common words occur (the share of quotes holding each), from
    the planner's statistics; refreshed every few minutes."""
    now = time.monotonic()
    if now - _frequencies["at"] > FREQUENCIES_MAX_AGE:
        row = session.execute(COMMON_WORDS).first()
        _frequencies["words"] = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        _frequencies["at"] = now
    return _frequencies["words"]


def _tsquery_literal(lexeme: str) -> str:
    escaped = lexeme.replace("\\", "\\\\").replace("'", "''")
    return f"'{escaped}'"


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
