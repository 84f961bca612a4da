"""/extract: paste an article, review the quotes proposed beside it, import the rest.

The same service functions as `POST /v1/extract`: `article_from`, `extract_article` and
`records` propose; `import_proposals` stores the reviewed records (one atomic import),
acting as the write key the reviewer enters. Each proposal travels between the steps as
its import record (JSON in the form); the import validates it as it validates any line."""

import json
from dataclasses import dataclass

import flask

from service import db
from service.api import accepts
from service.auth.services import key_for_secret
from service.extract.schemas import ArticleSchema
from service.extract.services import BadArticle, ImportRefused, article_from, extract_article, records
from service.extract.services import import_proposals as store
from service.pages import forms
from service.pages.views import KINDS, blp, render

META = ("url", "title", "publisher", "published_at", "lang")
FORM = "application/x-www-form-urlencoded"
REVIEW_ALTERED = "The review form was altered: extract the article again."


@dataclass
class Review:
    """What the review step shows: the article's text, and the proposals to judge."""

    text: str
    lang: str
    proposals: list[dict]

    def segments(self) -> list[tuple[str, int | None]]:
        """The article cut into (text, proposal number or None): each proposal in place
        by its offsets (an overlapping one is listed but not marked twice)."""
        pieces, at = [], 0
        for number, record in sorted(self._placed(), key=lambda item: item[1]["start"]):
            start, end = record["start"], record["end"]
            if start >= at:
                pieces += [(self.text[at:start], None), (self.text[start:end], number)]
                at = end
        return [*pieces, (self.text[at:], None)]

    def _placed(self):
        for number, proposal in enumerate(self.proposals, start=1):
            place = proposal.get("extraction") or {}
            if 0 <= place.get("start", -1) < place.get("end", -1) <= len(self.text):
                yield number, place


@blp.get("/extract")
def extract():
    """The article form."""
    return _page(form={})


@blp.post("/extract")
@accepts(FORM)
def propose():
    """Propose the quotes of the pasted article, for review."""
    form = flask.request.form
    fields = forms.given(form, META)
    body = form.get("article", "").replace("\r\n", "\n")  # as pasted: browsers send CRLF
    is_html = form.get("format") == "html"
    if "lang" in fields:
        fields["lang"] = forms.language_tag(fields["lang"])
    if "published_at" in fields:
        fields["published_at"] += "T00:00:00Z"
    given, errors = forms.load(ArticleSchema(), fields | {"html" if is_html else "text": body})
    if errors:
        return _page(422, form=form, errors=_field_errors(errors))
    try:
        article = article_from(given.pop("html" if is_html else "text"), html=is_html, meta=given)
    except BadArticle as error:
        return _page(422, form=form, errors={"article": [str(error)]})
    lines = records(article, extract_article(db.session(), article))
    review = Review(article.text, article.lang, lines)
    return _page(form=form, review=review)


@blp.post("/extract/import")
@accepts(FORM)
def import_reviewed():
    """Store the proposals left ticked, as edited, with the reviewer's write key."""
    form = flask.request.form
    review = Review(form.get("text", ""), form.get("lang") or "en", _proposals(form))
    numbers = [n for n in range(1, len(review.proposals) + 1) if form.get(f"use-{n}")]
    chosen = [reviewed(form, n, review.proposals[n - 1]) for n in numbers]
    refusal = _refusal(form.get("key", "").strip()) or (None if chosen else "Tick a quote to import.")
    if refusal:
        return _page(422, form=form, review=review, errors={"key": [refusal]})
    try:
        outcomes = store(db.session(), chosen)
    except ImportRefused as refused:
        failures = {numbers[e["line"] - 1]: e.get("errors") for e in refused.errors if e.get("line")}
        return _page(422, form=form, review=review, failures=failures)
    imported = [(record, outcome.as_dict()) for record, outcome in zip(chosen, outcomes, strict=True)]
    return render("extract_done.html", imported=imported)


def _page(status: int = 200, **context):
    """The extract page: the article form, or the review of its proposals."""
    defaults = {"errors": {}, "review": None, "failures": {}, "kinds": KINDS}
    return render("extract.html", status, **(defaults | context))


def reviewed(form, number: int, proposal: dict) -> dict:
    """A proposal's import record with the reviewer's text, kind and speaker."""
    record = dict(proposal)
    record["text"] = form.get(f"text-{number}", record.get("text", "")).strip()
    record["kind"] = form.get(f"kind-{number}", record.get("kind"))
    speaker = form.get(f"speaker-{number}", "").strip()
    record.pop("speaker", None)
    record.pop("speaker_description", None)
    if form.get(f"unnamed-{number}"):
        record["speaker_description"] = speaker
    elif speaker == (proposal.get("speaker") or {}).get("name"):
        record["speaker"] = proposal["speaker"]
    else:
        record["speaker"] = {"name": speaker}
    return record


def _proposals(form) -> list[dict]:
    """The proposals carried in the review form (each its import record, as JSON)."""
    proposals = []
    for number in range(1, len(form) + 1):
        carried = form.get(f"record-{number}")
        if carried is None:
            break
        try:
            record = json.loads(carried)
        except ValueError:
            flask.abort(400, REVIEW_ALTERED)
        if not isinstance(record, dict):
            flask.abort(400, REVIEW_ALTERED)
        proposals.append(record)
    return proposals


def _refusal(secret: str) -> str | None:
    """Why this key may not import, or None (then it acts as the key, in the history)."""
    if not secret:
        return "Enter a write key to import."
    key = key_for_secret(db.session(), secret)
    if key is None:
        return "This key is unknown or revoked."
    if "write" not in key.scopes:
        return f"The key {key.name!r} does not have the write scope."
    db.session().info["actor"] = key.name
    return None


def _field_errors(errors: dict) -> dict:
    """The article schema's messages, on the form's fields (`text`/`html` is `article`)."""
    return {("article" if k in ("text", "html") else k): v for k, v in errors.items()}
