"""Text keys that make look-ups and duplicate detection insensitive to
case, diacritics, hyphens, quote marks and spacing."""

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")
_QUOTE_MARKS = str.maketrans({c: '"' for c in "“”„‟«»❝❞＂"} | {c: "'" for c in "‘’‚‛‹›❛❜＇`´"})


def name_key(name: str) -> str:
    """The form a name or alias is matched by: `Kim Jong-un` and `kim  jong un` share one key."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", without_marks.casefold()).strip()


def statement_key(text: str) -> str:
    """The form two wordings of one statement share: case, spacing and quote marks folded."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS).casefold()
    return _SPACES.sub(" ", folded).strip(" \"'")


def statement_hash(text: str) -> bytes:
    """A fixed-size digest of `statement_key`, for a unique index on any length of text."""
    return hashlib.md5(statement_key(text).encode(), usedforsecurity=False).digest()
