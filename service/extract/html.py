"""An HTML page's main text and metadata, read by trafilatura (no network: the page is given)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura

MIN_WORDS = 5  # fewer is a menu or a caption that trafilatura fell back on, not an article


class NoMainText(ValueError):
    """The page has no article text to read."""


@dataclass(frozen=True)
class Page:
    """What trafilatura found in a page."""

    text: str
    title: str | None
    publisher: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    url: str | None
    lang: str | None


def read_page(html: str) -> Page:
    """The main text of `html` with its title, publisher, authors, date and canonical URL."""
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (document.text or "").strip() if document is not None else ""
    if len(text.split()) < MIN_WORDS:
        raise NoMainText(
            "The HTML has no main text to read quotes from (menus, scripts and boilerplate only)."
        )
    return Page(
        text=text,
        title=document.title or None,
        publisher=document.sitename or None,
        authors=tuple(a.strip() for a in (document.author or "").split(";") if a.strip()),
        published_at=_day(document.date),
        url=document.url or None,
        lang=document.language or None,
    )


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None
