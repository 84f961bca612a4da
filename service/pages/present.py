"""How the pages show a record's values to people: readable dates and language names,
search highlights and links that cannot carry markup or script, a citation to paste.

Every function takes the API's JSON shape of a record (a schema's `dump`), so a page
shows exactly what the API returns."""

import functools
import html
import json
import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

import langcodes
from markupsafe import Markup, escape

MARK = re.compile(r"(</?mark>)")
KIND_NAMES = {"direct": "Direct quote", "partial": "Partial quote", "indirect": "Paraphrase"}
SAFE_SCHEMES = ("http", "https")


def said_on(value: str | None, precision: str | None) -> str:
    """`2019-04-19` as "19 April 2019", "April 2019" or "2019" by its precision."""
    if not value:
        return "date not recorded"
    day = date.fromisoformat(value)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{day:%B} {day.year}"
    return f"{day.day} {day:%B} {day.year}"


def published(value: str | None) -> str:
    """An RFC 3339 time as the day it names, "24 April 2019"; "" when unknown."""
    if not value:
        return ""
    when = datetime.fromisoformat(value)
    return f"{when.day} {when:%B} {when.year}"


def timestamp(value: str) -> str:
    """An RFC 3339 time to the minute, in UTC as stored: "24 April 2019, 09:30 UTC"."""
    when = datetime.fromisoformat(value)
    return f"{when.day} {when:%B} {when.year}, {when:%H:%M} UTC"


@functools.lru_cache(maxsize=512)
def language(tag: str | None) -> str:
    """A BCP 47 tag's name in English ("ru" → "Russian"); the tag itself if unnamed."""
    if not tag:
        return ""
    try:
        return langcodes.Language.get(tag).display_name()
    except (ValueError, LookupError):
        return tag


def highlighted(snippet: str) -> Markup:
    """A search highlight (the API's HTML fragment: escaped text and <mark> pairs) as
    HTML: the text read back and escaped again here, the <mark> pairs kept (a stray or
    unbalanced marker is dropped, so the markup always nests)."""
    parts, open_ = [], False
    for piece in MARK.split(snippet):
        if piece == "<mark>" and not open_:
            parts.append("<mark>")
            open_ = True
        elif piece == "</mark>" and open_:
            parts.append("</mark>")
            open_ = False
        elif piece not in ("<mark>", "</mark>"):
            parts.append(str(escape(html.unescape(piece))))
    return Markup("".join(parts) + ("</mark>" if open_ else ""))


def highlight_lang(quote: dict) -> str:
    """The language of the text a quote's highlight was cut from: a translation's when
    only a translation holds it, else the quote's own."""
    plain = MARK.sub("", quote.get("highlight") or "")
    fragments = [f.strip(" .…") for f in plain.split(" ... ") if f.strip(" .…")]
    if all(f in quote["text"] for f in fragments):
        return quote["lang"]
    found = (t["lang"] for t in quote["translations"] if all(f in t["text"] for f in fragments))
    return next(found, quote["lang"])


def safe_url(url: str | None) -> str | None:
    """The URL if it is an http(s) link, else None (a `javascript:` or `data:` URL is
    shown as text, never linked)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def source_name(source: dict) -> str:
    """Publisher (and wire agency), else the title, else the URL."""
    name = source.get("publisher") or source.get("title") or source.get("url") or "Unnamed source"
    agency = source.get("agency")
    return f"{name} ({agency})" if agency and agency != name else name


def speaker_name(quote: dict) -> str:
    """Who said it: the speaker's display name, else the description of an unnamed one."""
    return quote["speaker"]["name"] if quote.get("speaker") else quote.get("speaker_description") or ""


def script(name: str) -> str:
    """The writing system of a name, from its first letter: Latin, Cyrillic, Hangul…"""
    for char in name:
        if char.isalpha():
            return unicodedata.name(char, "OTHER").split()[0].title()
    return "Other"


def citation_text(quote: dict, url: str) -> str:
    """A plain-text citation to paste: who, role, when, the words, the first source, and
    this page's address."""
    who = speaker_name(quote)
    if quote.get("speaker_role"):
        who += f" ({quote['speaker_role']})"
    when = said_on(quote["said_on"], quote["said_on_precision"]) if quote["said_on"] else None
    lines = [", ".join(filter(None, [who, when, quote.get("context")])) + ":", f"“{quote['text']}”"]
    for citation in quote["citations"][:1]:
        source = citation["source"]
        parts = [source_name(source), source.get("title"), published(source.get("published_at"))]
        lines.append("— " + ", ".join(dict.fromkeys(p for p in parts if p)))
        if source.get("url"):
            lines.append(source["url"])
    lines.append(f"OnRecord quote {quote['id']}: {url}")
    return "\n".join(lines)


def as_json(value) -> str:
    """A value as JSON text, to carry in a form field (escaped there like any text)."""
    return json.dumps(value, ensure_ascii=False)


def change_text(change) -> str:
    """A history entry's change to one field, "before → after", long values cut short."""
    if isinstance(change, dict) and set(change) == {"before", "after"}:
        return f"{_value_text(change['before'])} → {_value_text(change['after'])}"
    return _value_text(change)


def _value_text(value, limit: int = 300) -> str:
    if value is None or value == []:
        return "(none)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_name(kind: str) -> str:
    """A quote's kind in words: "Direct quote", "Partial quote", "Paraphrase"."""
    return KIND_NAMES.get(kind, kind)


FILTERS = {
    "said_on": said_on,
    "published": published,
    "timestamp": timestamp,
    "language": language,
    "highlighted": highlighted,
    "safe_url": safe_url,
    "source_name": source_name,
    "speaker_name": speaker_name,
    "script": script,
    "highlight_lang": highlight_lang,
    "change_text": change_text,
    "as_json": as_json,
    "kind_name": kind_name,
}
