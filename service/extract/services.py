"""Extraction as a service: read an article, propose its quotes, and store them on request.

Nothing is written unless asked: `import_proposals` runs the proposals through the
bulk import (atomic: every proposal or none), so a second run matches what the first stored.
"""

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.extract.html import NoMainText, read_page
from service.extract.proposals import Article, Proposal, propose
from service.imports.formats import Record
from service.imports.report import ImportStopped, Outcome
from service.imports.services import ImportOptions, import_records
from service.speakers.models import Speaker, SpeakerAlias
from service.text import latin_key, name_key

__all__ = [
    "Article",
    "BadArticle",
    "ImportRefused",
    "Proposal",
    "article_from",
    "extract_article",
    "import_proposals",
    "records",
]


class BadArticle(ValueError):
    """The article cannot be read: empty, not text, or a page without main text."""


def article_from(body: str, html: bool = False, meta: dict | None = None) -> Article:
    """The article in `body` (its text, or a whole HTML page whose main text and metadata
    are read); `meta` (url, title, publisher, agency, authors, published_at, lang) wins
    over what the page says."""
    meta = {key: value for key, value in (meta or {}).items() if value not in (None, [], ())}
    if not body.strip():
        raise BadArticle(f"The article is empty: send its {'HTML' if html else 'text'}.")
    if "\x00" in body:
        raise BadArticle("The article contains a NUL character: it is not text.")
    if html:
        try:
            page = read_page(body)
        except NoMainText as error:
            raise BadArticle(str(error)) from None
        found = {
            "url": page.url, "title": page.title, "publisher": page.publisher, "authors": page.authors,
            "published_at": page.published_at, "lang": page.lang,
        }  # fmt: skip
        return article_from(page.text, meta={k: v for k, v in found.items() if v} | meta)
    meta["authors"] = tuple(meta.get("authors", ()))
    meta["lang"] = meta.get("lang") or "en"
    return Article(body, **meta)


def extract_article(session: Session, article: Article) -> list[Proposal]:
    """The quotes of `article`, attributed and resolved against the speakers on record."""
    return propose(article, lambda names: on_record(session, names))


def records(article: Article, proposals: Iterable[Proposal]) -> list[dict]:
    """The import lines of `proposals`, each citing the article's source."""
    source = article.source()
    return [proposal.record(source) for proposal in proposals]


class ImportRefused(Exception):
    """A proposal could not be stored, so none was."""

    def __init__(self, errors: list[dict]):
        super().__init__("A proposal could not be stored: nothing was written.")
        self.errors = errors


def import_proposals(session: Session, lines: list[dict]) -> list[Outcome]:
    """Store the proposals' records as one atomic import (the import's matching makes a
    second run store nothing new): each line's outcome. Raises `ImportRefused`, with
    nothing stored, when a line fails."""
    numbered = (Record(number, body) for number, body in enumerate(lines, start=1))
    options = ImportOptions(mode="atomic", batch_size=max(len(lines), 1))
    outcomes: list[Outcome] = []
    try:
        outcomes.extend(import_records(session, numbered, options))
    except ImportStopped as stopped:
        failed = [o.as_dict() for o in outcomes if o.status == "failed"]
        raise ImportRefused(
            failed or [{"line": stopped.line, "errors": {"_line": [stopped.reason]}}]
        ) from None
    return outcomes


def on_record(session: Session, names: list[str]) -> dict[str, dict]:
    """{name_key: speaker} for each of `names` that is an alias of exactly one speaker
    on record (in any script where transliteration makes them equal)."""
    by_key = {name_key(n): n for n in names if name_key(n)}
    by_latin = {latin_key(n): name_key(n) for n in names if latin_key(n)}
    if not by_key:
        return {}
    rows = session.execute(
        select(SpeakerAlias.alias_key, SpeakerAlias.latin_key, Speaker.id, Speaker.name, Speaker.kind)
        .join(Speaker, Speaker.id == SpeakerAlias.speaker_id)
        .where(or_(SpeakerAlias.alias_key.in_(list(by_key)), SpeakerAlias.latin_key.in_(list(by_latin))))
    ).all()
    found: dict[str, dict[int, dict]] = {}
    speakers: dict[int, dict] = {}
    for alias_key, alias_latin, speaker_id, name, kind in rows:
        speaker = speakers.setdefault(speaker_id, {"id": speaker_id, "name": name, "kind": kind})
        for key in {alias_key} & by_key.keys() | (
            {by_latin[alias_latin]} if alias_latin in by_latin else set()
        ):
            found.setdefault(key, {})[speaker_id] = speaker
    unique = {key: next(iter(s.values())) for key, s in found.items() if len(s) == 1}
    _add_alias_keys(session, unique.values())
    return unique


def _add_alias_keys(session: Session, speakers: Iterable[dict]) -> None:
    by_id = {speaker["id"]: speaker for speaker in speakers}
    for speaker in by_id.values():
        speaker["keys"] = set()
    rows = session.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias_key).where(
            SpeakerAlias.speaker_id.in_(list(by_id))
        )
    )
    for speaker_id, alias_key in rows:
        by_id[speaker_id]["keys"].add(alias_key)
