"""`onrecord extract`: articles (text or HTML files, `-` for stdin) to proposed quotes as
NDJSON on stdout, or stored with `--import`; against the database or a running service."""

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy.orm import Session

from service.db import make_engine
from service.extract.services import (
    BadArticle,
    ImportRefused,
    article_from,
    extract_article,
    import_proposals,
    records,
)
from service.imports.command import Progress

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
NDJSON = "application/x-ndjson"


class ExtractFailed(Exception):
    """One article could not be read or stored (the others go on)."""


@dataclass(frozen=True)
class Page:
    """One article file as read."""

    name: str
    body: str
    html: bool


def read_file(name: str) -> Page:
    """The file (stdin for `-`) as UTF-8 text; HTML when its name or its first tag says so."""
    raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExtractFailed(
            f"{name}: not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        ) from None
    html = Path(name).suffix.lower() in HTML_SUFFIXES or body.lstrip()[:15].lower().startswith(
        ("<!doctype", "<html")
    )
    return Page("stdin" if name == "-" else name, body, html)


class DatabaseExtractor:
    """Extract against the speakers in a database, storing the proposals if asked."""

    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=1)

    def run(self, page: Page, meta: dict, store: bool) -> tuple[list[dict], str]:
        with Session(self.engine) as session:
            try:
                article = article_from(page.body, page.html, meta)
            except BadArticle as error:
                raise ExtractFailed(f"{page.name}: {error}") from None
            lines = records(article, extract_article(session, article))
            if not store:
                return lines, f"{len(lines)} proposed"
            try:
                outcomes = import_proposals(session, lines)
            except ImportRefused as refused:
                raise ExtractFailed(f"{page.name}: {refused} {refused.errors}") from None
            for line, outcome in zip(lines, outcomes, strict=True):
                line["extraction"]["imported"] = {k: v for k, v in outcome.as_dict().items() if k != "line"}
            return lines, _stored(lines)


class ServerExtractor:
    """Post each article to a running service's `POST /v1/extract`."""

    def __init__(self, url: str, key: str | None):
        self.url = url.rstrip("/") + "/v1/extract"
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def run(self, page: Page, meta: dict, store: bool) -> tuple[list[dict], str]:
        given = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in meta.items() if v}
        body = {("html" if page.html else "text"): page.body} | given
        response = requests.post(
            self.url,
            json=body,
            params={"import": "true"} if store else {},
            headers=self.headers | {"Accept": NDJSON},
            timeout=120,
        )
        if response.status_code != 200:
            raise ExtractFailed(
                f"{page.name}: {self.url} answered {response.status_code}: {response.text[:500]}"
            )
        lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        return lines, _stored(lines) if store else f"{len(lines)} proposed"


def _stored(lines: list[dict]) -> str:
    statuses = [line["extraction"]["imported"]["status"] for line in lines]
    return f"{len(lines)} proposed, {statuses.count('created')} created, {statuses.count('matched')} matched"


def extract_files(names: list[str], meta: dict, store: bool, extractor) -> bool:
    """Extract every file, printing the proposals as NDJSON on stdout and a summary per
    file on stderr; True if every file was read (and stored)."""
    progress = Progress("extract", len(names) if len(names) > 1 else None, unit="article")
    all_done = True
    try:
        for name in names:
            try:
                lines, summary = extractor.run(read_file(name), meta, store)
            except (ExtractFailed, OSError, requests.RequestException) as error:
                print(f"{error}", file=sys.stderr, flush=True)
                all_done = False
            else:
                sys.stdout.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
                sys.stdout.flush()
                print(f"{name}: {summary}", file=sys.stderr, flush=True)
            progress.update(1)
    finally:
        progress.close()
    return all_done
