"""Embedded tweets: the text of a tweet, its author and date, and the translation an
article often prints right after it in quotation marks.

An embedded tweet as copied into article text ends with its signature line,
`— Name (@handle) April 24, 2019`, sometimes glued to the tweet's last line. The tweet's
text is the lines before it, back to the previous paragraph of the article's own copy.
"""

import re
from dataclasses import dataclass
from datetime import date

from service.extract.dates import said_on

_SIGNATURE = re.compile(
    r"[—–-]\s*(?P<name>[^\n()—]{1,80}?)\s*\((?P<handle>@\w{1,30})\)\s*"
    r"(?:\[)?(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})",
)
_PICTURE = re.compile(r"\s*(?:pic\.twitter\.com/\w+|https?://t\.co/\w+)\s*$")
_LINE = re.compile(r"[^\n]+")
MAX_TWEET = 600


@dataclass(frozen=True)
class Tweet:
    """One embedded tweet."""

    start: int
    end: int
    author: str
    handle: str
    said_on: date | None
    signature_end: int


def tweets(text: str) -> list[Tweet]:
    """Every embedded tweet of `text` with a signature line."""
    found = []
    for match in _SIGNATURE.finditer(text):
        start, end = _body(text, match.start())
        if start < end:
            day, _ = said_on(match.group("date"), None)
            found.append(
                Tweet(start, end, match.group("name").strip(), match.group("handle"), day, match.end())
            )
    return found


def _body(text: str, signature: int) -> tuple[int, int]:
    """(start, end) of the tweet's words before its signature: the same line, and the
    lines before it in the same script while the whole stays tweet-sized."""
    line_start = text.rfind("\n", 0, signature) + 1
    end = line_start + len(_PICTURE.sub("", text[line_start:signature].rstrip()))
    start = line_start
    if end == line_start:  # the signature has a line of its own: the tweet is the line before
        before = text[:line_start].rstrip()
        start = before.rfind("\n") + 1
        end = start + len(_PICTURE.sub("", before[start:]))
    cyrillic = _cyrillic(text[start:end])
    while start > 0:
        previous = text.rfind("\n", 0, start - 1) + 1
        line = text[previous : start - 1]
        if not line.strip() or _cyrillic(line) != cyrillic or end - previous > MAX_TWEET or not cyrillic:
            break
        start = previous
    return start, end


def _cyrillic(words: str) -> bool:
    letters = [c for c in words if c.isalpha()]
    return bool(letters) and sum("\u0400" <= c <= "\u04ff" for c in letters) > len(letters) / 2


def language(words: str, default: str) -> str:
    """`ru` for words mostly in Cyrillic, else the article's language."""
    return "ru" if _cyrillic(words) else default
