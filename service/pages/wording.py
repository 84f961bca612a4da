"""A claimed wording beside the stored one, word by word (difflib), for the verify page."""

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

GAP = ("...", "…")  # how a claim marks words left out


@dataclass(frozen=True)
class Segment:
    """A run of words: `same` in both, `context` (stored words around an excerpt or in a
    gap the claim marks), `recorded` (stored, differing from the claim) or `claimed`
    (in the claim, not on record)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Wording:
    """The stored text the claim was compared with, its language, and the word diff."""

    text: str
    lang: str
    segments: list[Segment]


def compare_wording(claimed: str, recorded: list[tuple[str, str]]) -> Wording:
    """Diff the claim against the closest of the `(text, lang)` recordings (a quote's
    text and its translations): the one sharing the most words with it."""
    claim = claimed.split()
    best = max(recorded, key=lambda r: _shared_words(claim, r[0].split()))
    return Wording(best[0], best[1], _segments(claim, best[0].split()))


def _key(word: str) -> str:
    """A word without case, accents, punctuation or quote marks."""
    folded = unicodedata.normalize("NFKD", word.casefold())
    key = "".join(c for c in folded if unicodedata.category(c)[0] in "LN")
    return key or word


def _matcher(claim: list[str], stored: list[str]) -> SequenceMatcher:
    return SequenceMatcher(None, [_key(w) for w in claim], [_key(w) for w in stored], autojunk=False)


def _shared_words(claim: list[str], stored: list[str]) -> int:
    return sum(block.size for block in _matcher(claim, stored).get_matching_blocks())


def _segments(claim: list[str], stored: list[str]) -> list[Segment]:
    opcodes = _matcher(claim, stored).get_opcodes()
    equal = [i for i, op in enumerate(opcodes) if op[0] == "equal"]
    first, last = (equal[0], equal[-1]) if equal else (len(opcodes), -1)
    segments: list[Segment] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        claimed, kept = claim[i1:i2], stored[j1:j2]
        outside = index < first or index > last
        if tag == "equal":
            _add(segments, "same", kept)
        elif all(w in GAP for w in claimed) or (outside and not claimed):
            _add(segments, "context", kept)
        else:
            _add(segments, "claimed", claimed)
            _add(segments, "recorded", kept)
    return segments


def _add(segments: list[Segment], kind: str, words: list[str]) -> None:
    """Append the words, joining them to the last segment when it is of the same kind."""
    if not words:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, f"{segments[-1].text} {' '.join(words)}")
    else:
        segments.append(Segment(kind, " ".join(words)))
