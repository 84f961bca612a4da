"""A page's form fields in, the API's arguments out: the same schemas validate both."""

import flask
import langcodes
import marshmallow as ma
from werkzeug.datastructures import MultiDict

from service.quotes.schemas import QuoteFilterSchema

QUOTE_FILTERS = (
    "q",
    "speaker",
    "lang",
    "kind",
    "status",
    "topic",
    "said_from",
    "said_to",
    "sort",
    "cursor",
    "limit",
)
NOT_EXPORTED = ("sort", "cursor", "limit")
EXPORTS = (("CSV", "csv"), ("NDJSON", "ndjson"))


def given(form: MultiDict, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields the form filled in, trimmed."""
    return {name: form[name].strip() for name in names if form.get(name, "").strip()}


def load(schema: ma.Schema, fields: dict[str, str]) -> tuple[dict, dict]:
    """(arguments, {}) as the API's schema loads them, or ({}, per-field messages)."""
    try:
        return schema.load(fields), {}
    except ma.ValidationError as error:
        return {}, error.normalized_messages()


def quote_filters(form: MultiDict, names: tuple[str, ...] = QUOTE_FILTERS) -> tuple[dict, dict, dict]:
    """(the fields as given, the arguments of `GET /v1/quotes`, errors). A language may
    be given by name ("Russian"); a relevance order needs words to rank by."""
    fields = given(form, names)
    if "lang" in fields:
        fields["lang"] = language_tag(fields["lang"])
    if fields.get("sort") == "relevance" and "q" not in fields:
        del fields["sort"]
    args, errors = load(QuoteFilterSchema(), fields)
    return fields, args, errors


def language_tag(value: str) -> str:
    """A BCP 47 tag as given, or the tag of a language named in English."""
    if langcodes.tag_is_valid(value):
        return value
    try:
        return langcodes.find(value).to_tag()
    except LookupError:
        return value


def export_links(fields: dict[str, str]) -> list[tuple[str, str]]:
    """(label, URL) of the export of every quote the filters match, in each format."""
    filters = {k: v for k, v in fields.items() if k not in NOT_EXPORTED}
    return [(label, flask.url_for("export.Export", **filters, format=fmt)) for label, fmt in EXPORTS]
