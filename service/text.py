"""Text keys that make look-ups and duplicate detection insensitive to
case, diacritics, hyphens, quote marks and spacing."""

import hashlib
import re
import unicodedata

from anyascii import anyascii
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
from breame.spelling import get_american_spelling

_NON_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z]+")
_QUOTE_MARKS = str.maketrans({c: '"' for c in "“”„‟«»❝❞＂"} | {c: "'" for c in "‘’‚‛‹›❛❜＇`´"})


def name_key(name: str) -> str:
    """The form a name or alias is matched by: `Kim Jong-un` and `kim  jong un` share one key."""
    without_marks = unicodedata.normalize("NFKD", name)
    if not without_marks.isascii():  # ASCII has no combining marks: skip the walk over each character
        without_marks = "".join(c for c in without_marks if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", without_marks.casefold()).strip()


def statement_key(text: str) -> str:
    """The form two wordings of one statement share: case, spacing and quote marks folded."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS).casefold()
    return _SPACES.sub(" ", folded).strip(" \"'")


def statement_hash(text: str) -> bytes:
    """A fixed-size digest of `statement_key`, for a unique index on any length of text."""
    return hashlib.md5(statement_key(text).encode(), usedforsecurity=False).digest()


def latin_key(name: str) -> str:
    """`name_key` transliterated to Latin letters, for matching across scripts:
    `Юрий Ушаков` → `yuriy ushakov`."""
    return name_key(anyascii(name_key(name)))


def search_text(text: str, lang: str) -> str | None:
    """The text that is indexed for search when it differs from `text`: English
    British spellings folded to American (`stabilised` → `stabilized`), so either
    spelling finds the other. None when nothing changes."""
    if lang.split("-")[0].lower() != "en":
        return None
    if BRITISH_ENGLISH_SPELLINGS.keys().isdisjoint(map(str.lower, _WORD.findall(text))):
        return None  # the common case, found without a call per word
    folded = _WORD.sub(_american, text)
    return folded if folded != text else None


def _american(match: re.Match) -> str:
    word = match.group(0)
    american = get_american_spelling(word.lower())
    if american == word.lower():
        return word
    return american.capitalize() if word[0].isupper() else american


def comparison_key(text: str) -> str:
    """The form two wordings are compared in: `name_key` of the text with British
    spellings folded to American, so case, accents, punctuation, quote marks and
    spelling variants do not count as differences."""
    return name_key(search_text(text, "en") or text)
