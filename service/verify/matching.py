"""How close a claimed wording is to a recorded one: exact, an excerpt (gaps marked
with an ellipsis allowed), or close, with the words that differ."""

import difflib
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from service.text import comparison_key

ELLIPSIS = re.compile(r"\.\.\.|…|\[\.\.\.\]|\[…\]")
# News copy writes one wording several ways: U.S. and US, don't and don’t (and dont),
# 1,000 and 1000, 5% and 5 per cent; these are folded before comparing.
_WITHIN_WORD = re.compile(r"(?<=[^\W_])[.'’‘`´ʼ](?=[^\W_])")
_DIGIT_GROUP = re.compile(r"(?<=\d)[,\u00a0\u202f](?=\d{3}(?!\d))")
_PERCENT = re.compile(r"\s*%|\bper\s*cent\b", re.IGNORECASE)
# Below this many words, a claim is compared with whole texts only: a short string
# is too easily "close" to some part of any long one, or found in it ("the", "not").
MIN_WORDS_FOR_PARTIAL = 4
# Words dropped or changed in a row that still leave one passage: this many, or half
# the claim's words if more.
MAX_GAP = 3


@dataclass
class Comparison:
    """The outcome of comparing a claim with one recorded text."""

    score: float
    match: str  # exact | excerpt | close
    differences: list[dict] = field(default_factory=list)


def compare(claimed: str, recorded: str) -> Comparison:
    """Compare a claimed wording with a recorded one."""
    stored = wording_key(recorded)
    fragments = [key for key in map(wording_key, ELLIPSIS.split(claimed)) if key]
    claim = " ".join(fragments)
    if claim == stored:
        return Comparison(1.0, "exact")
    if len(claim.split()) >= MIN_WORDS_FOR_PARTIAL and _in_order(fragments, stored):
        return Comparison(1.0, "excerpt")
    window, score = _closest_passage(claim, stored)
    return Comparison(round(score, 3), "close", differences(claim, window))


def wording_key(text: str) -> str:
    """The form two wordings are compared in: `comparison_key` (case, accents,
    punctuation, quote marks and British spellings folded) after the news-copy variants
    above are folded."""
    joined = _DIGIT_GROUP.sub("", _WITHIN_WORD.sub("", text))
    return comparison_key(_PERCENT.sub(" percent", joined))


def _in_order(fragments: list[str], stored: str) -> bool:
    """Every fragment appears in `stored`, as whole words, in this order."""
    position, padded = 0, f" {stored} "
    for fragment in fragments:
        found = padded.find(f" {fragment} ", position)
        if found < 0:
            return False
        position = found + len(fragment) + 1
    return bool(fragments)


def _closest_passage(claim: str, stored: str) -> tuple[str, float]:
    """The passage of `stored` the claim is closest to, and how close (0..1)."""
    if len(claim) >= 0.9 * len(stored) or len(claim.split()) < MIN_WORDS_FOR_PARTIAL:
        return stored, fuzz.ratio(claim, stored) / 100
    alignment = fuzz.partial_ratio_alignment(claim, stored)
    start = stored.rfind(" ", 0, alignment.dest_start) + 1
    end = stored.find(" ", alignment.dest_end)
    window = stored[start : end if end >= 0 else len(stored)]
    spanned = _spanned(claim.split(), stored.split(), len(stored[:start].split()))
    # The spanned passage when it holds more of the claim's words (some were dropped).
    best = spanned if _shared_words(claim, spanned) > _shared_words(claim, window) else window
    return best, fuzz.ratio(claim, best) / 100


def _shared_words(claim: str, passage: str) -> int:
    matcher = difflib.SequenceMatcher(a=claim.split(), b=passage.split(), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _spanned(claimed: list[str], recorded: list[str], near: int) -> str:
    """The recorded passage the claim's shared words span, around word `near`: the
    longest run of shared words, with the shared runs near it on either side (a claim
    that drops words spans more recorded words than it has)."""
    reach = len(claimed) + 2
    around = recorded[max(0, near - reach) : near + 2 * reach]
    matcher = difflib.SequenceMatcher(a=claimed, b=around, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return " ".join(around)
    gap = max(MAX_GAP, len(claimed) // 2)
    first = last = blocks.index(max(blocks, key=lambda block: block.size))
    while first > 0 and _near(blocks[first - 1], blocks[first], gap):
        first -= 1
    while last < len(blocks) - 1 and _near(blocks[last], blocks[last + 1], gap):
        last += 1
    # Claimed words before the first shared run and after the last stand for as many
    # recorded ones (a swapped first or last word).
    start = max(0, blocks[first].b - blocks[first].a)
    end = blocks[last].b + blocks[last].size + len(claimed) - (blocks[last].a + blocks[last].size)
    return " ".join(around[start:end])


def _near(before, after, gap: int) -> bool:
    """Two shared runs close enough, in the claim and in the record, to be one passage."""
    return after.a - (before.a + before.size) <= gap and after.b - (before.b + before.size) <= gap


def differences(claim: str, recorded: str) -> list[dict]:
    """The runs of words that differ: [{"claimed": ..., "recorded": ...}]."""
    claimed_words, recorded_words = claim.split(), recorded.split()
    opcodes = difflib.SequenceMatcher(a=claimed_words, b=recorded_words, autojunk=False).get_opcodes()
    # Words the recorded passage has before or after the claim are context, not differences.
    if opcodes and opcodes[0][0] == "insert":
        opcodes = opcodes[1:]
    if opcodes and opcodes[-1][0] == "insert":
        opcodes = opcodes[:-1]
    return [
        {"claimed": " ".join(claimed_words[i1:i2]), "recorded": " ".join(recorded_words[j1:j2])}
        for op, i1, i2, j1, j2 in opcodes
        if op != "equal"
    ]
