"""Quote representations and inputs. One NDJSON import line is exactly a `QuoteInSchema` body."""

import marshmallow as ma

from service import fields as f
from service.pagination import PageArgs, page_schema
from service.quotes.models import DATE_PRECISIONS, QUOTE_KINDS, QUOTE_STATUSES
from service.search.query import MAX_TERMS, MAX_WORDS
from service.sources.schemas import SourceInSchema, SourceSummarySchema
from service.speakers.schemas import SpeakerInSchema, SpeakerSummarySchema

# A correction to one of these keeps the record and must say why.
STATUSES_NEEDING_NOTE = ("disputed", "misattributed", "retracted")
SPEAKER_GIVEN_BY = ("speaker_id", "speaker", "speaker_description")


def rule_errors(quote: dict) -> dict[str, list[str]]:
    """What breaks the rules every quote keeps, new or changed (`quote`: a new quote's
    fields, or a changed quote's fields after the change): exactly one speaker (an id, a
    `speaker` object, or a description of an unnamed source), a note saying why for a
    correction, a date for a precision."""
    errors = {}
    if len([k for k in SPEAKER_GIVEN_BY if quote.get(k)]) != 1:
        errors["speaker"] = [
            "Give exactly one of speaker_id, speaker, or speaker_description (for an unnamed source)."
        ]
    if quote.get("status") in STATUSES_NEEDING_NOTE and not quote.get("status_note"):
        errors["status_note"] = [f"A status of {quote['status']!r} needs a status_note saying why."]
    if quote.get("said_on_precision") and not quote.get("said_on"):
        errors["said_on_precision"] = ["said_on_precision needs a said_on date."]
    return errors


class TranslationSchema(ma.Schema):
    """The quote in another language."""

    lang = f.LanguageTag(required=True)
    text = f.text(required=True)
    translator = f.text(f.MAX_NAME, allow_none=True, load_default=None)


class CitationSchema(ma.Schema):
    """A source that carried the quote, with its wording and attribution."""

    source = ma.fields.Nested(SourceSummarySchema, required=True)
    printed_text = ma.fields.String(allow_none=True, required=True)
    attribution = ma.fields.String(allow_none=True, required=True)
    via = ma.fields.String(allow_none=True, required=True)


class CitationInSchema(ma.Schema):
    """A citation naming its source by `source_id` or by a `source` object."""

    source_id = f.record_id()
    source = ma.fields.Nested(SourceInSchema)
    printed_text = f.text(allow_none=True)
    attribution = f.text(f.MAX_NOTE, allow_none=True, metadata={"example": "Kremlin aide Yury Ushakov said"})
    via = f.text(f.MAX_NAME, allow_none=True, metadata={"description": "Intermediary, e.g. a news agency"})

    @ma.validates_schema
    def _one_source(self, data, **kwargs):
        if ("source_id" in data) == ("source" in data):
            raise ma.ValidationError("Give either source_id or source.", "source")


class QuoteSchema(f.RecordSchema):
    """A quote with its speaker, translations and citations embedded."""

    text = ma.fields.String(required=True)
    lang = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    status_note = ma.fields.String(allow_none=True, required=True)
    speaker = ma.fields.Nested(SpeakerSummarySchema, allow_none=True, required=True)
    speaker_description = ma.fields.String(allow_none=True, required=True)
    speaker_role = ma.fields.String(allow_none=True, required=True)
    said_on = ma.fields.Date(allow_none=True, required=True)
    said_on_precision = ma.fields.String(allow_none=True, required=True)
    context = ma.fields.String(allow_none=True, required=True)
    topics = ma.fields.List(ma.fields.String(), required=True)
    translations = ma.fields.List(ma.fields.Nested(TranslationSchema), required=True)
    citations = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    highlight = ma.fields.String(
        metadata={
            "description": "With `q`: the matching passage as an HTML fragment: its text "
            "escaped, matched words in <mark>...</mark>"
        }
    )


class QuoteFieldsSchema(ma.Schema):
    """The fields a quote is written with (shared by create and change)."""

    text = f.text(required=True)
    lang = f.LanguageTag(required=True)
    kind = f.one_of(QUOTE_KINDS, required=True)
    speaker_id = f.record_id()
    speaker_description = f.text(f.MAX_NAME, metadata={"example": "a U.S. State Department official"})
    speaker_role = f.text(
        f.MAX_NAME,
        allow_none=True,
        metadata={"description": "The role as the source gave it", "example": "Kremlin aide"},
    )
    said_on = ma.fields.Date(allow_none=True)
    said_on_precision = f.one_of(DATE_PRECISIONS, allow_none=True)
    context = f.text(f.MAX_NOTE, allow_none=True, metadata={"example": "told reporters"})
    status = f.one_of(QUOTE_STATUSES)
    status_note = f.text(f.MAX_NOTE, allow_none=True)
    topics = f.text_list(50, 100)


class QuoteInSchema(QuoteFieldsSchema):
    """A new quote. Speaker: `speaker_id`, a `speaker` object (matched by alias or created),
    or a `speaker_description` for an unnamed source. At least one citation; a top-level
    `source` is shorthand for one."""

    speaker = ma.fields.Nested(SpeakerInSchema)
    translations = ma.fields.List(
        ma.fields.Nested(TranslationSchema), validate=ma.validate.Length(max=50), load_default=list
    )
    citations = ma.fields.List(
        ma.fields.Nested(CitationInSchema), validate=ma.validate.Length(max=100), load_default=list
    )
    source = ma.fields.Nested(SourceInSchema, metadata={"description": "Shorthand for one citation"})
    extraction = ma.fields.Dict(
        load_only=True,
        metadata={"description": "The reviewer's note `POST /v1/extract` adds to a proposal; not stored"},
    )

    @ma.validates_schema
    def _rules(self, data, **kwargs):
        if errors := rule_errors(data):
            raise ma.ValidationError(errors)

    @ma.post_load
    def _source_shorthand(self, data, **kwargs):
        return with_citations(data)


def with_citations(data: dict) -> dict:
    """A loaded new quote as it is stored: the `source` shorthand as its first citation
    (at least one is needed), no `extraction` note, a `said_on` precise to the day unless
    it says otherwise."""
    data.pop("extraction", None)
    if "source" in data:
        data["citations"] = [{"source": data.pop("source")}, *data["citations"]]
    if not data["citations"]:
        raise ma.ValidationError("A quote needs at least one citation (citations or source).", "citations")
    if data.get("said_on") and not data.get("said_on_precision"):
        data["said_on_precision"] = "day"
    return data


class QuotePatchSchema(f.PartialSchema, QuoteFieldsSchema):
    """Changes to a quote, checked against the quote they leave (the rules of a new quote
    hold). Naming a speaker (`speaker_id`) replaces an unnamed source's description; an
    unnamed source instead of the speaker is `speaker_id: null` with a `speaker_description`.
    Citations are added by posting the statement again."""

    speaker_id = f.record_id(allow_none=True)
    speaker_description = f.text(
        f.MAX_NAME, allow_none=True, metadata={"example": "a U.S. State Department official"}
    )


class RetractArgsSchema(ma.Schema):
    """Why a quote is retracted."""

    note = f.text(f.MAX_NOTE, metadata={"description": "Why it is retracted (kept as status_note)"})


class QuoteFilterSchema(PageArgs):
    """Quote list filters; all of them combine."""

    speaker = f.text(
        f.MAX_NAME, metadata={"description": "A speaker id, or any alias (case- and hyphen-insensitive)"}
    )
    source = f.text(2048, metadata={"description": "A source id, or its URL"})
    lang = f.LanguageTag()
    kind = f.one_of(QUOTE_KINDS)
    status = f.one_of(QUOTE_STATUSES)
    topic = f.text(100)
    said_from = ma.fields.Date(metadata={"description": "Said on or after this date"})
    said_to = ma.fields.Date(metadata={"description": "Said on or before this date"})
    q = f.text(
        500,
        metadata={
            "description": 'Full-text search of the text and its translations: words, "a phrase", '
            "`or`, -exclusion; the last word may be typed in part. Up to "
            f"{MAX_TERMS} distinct terms and {MAX_WORDS} words (repeats count once), else 400"
        },
    )
    sort = f.one_of(
        ("relevance", "said_on", "-said_on"),
        metadata={"description": "Default: relevance with q (recency breaks ties), else as added"},
    )


QuotePageSchema = page_schema(QuoteSchema, "QuotePage")
