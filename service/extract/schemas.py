"""Extraction inputs and the proposals it answers: import records with a reviewer's note."""

from datetime import UTC

import marshmallow as ma

from service import fields as f
from service.quotes.schemas import QuoteInSchema
from service.sources.schemas import MAX_URL

MAX_ARTICLE = 500_000  # characters of article text or HTML in a JSON body (the body limit applies too)
RESOLUTIONS = ("alias", "surname", "pronoun", "inherited", "definite", "document", "handle", "new",
               "description", "organisation")  # fmt: skip


class ExtractArgsSchema(ma.Schema):
    """Whether to store the proposals at once."""

    store = ma.fields.Boolean(
        data_key="import",
        load_default=False,
        metadata={"description": "Store the proposals as unverified quotes (needs the write scope)"},
    )


class ArticleSchema(ma.Schema):
    """An article as JSON: its `text` or its page's `html`, and what is known of its
    source (given metadata wins over what is found in the HTML)."""

    text = ma.fields.String(validate=[ma.validate.Length(1, MAX_ARTICLE), f.no_lone_surrogate])
    html = ma.fields.String(validate=[ma.validate.Length(1, MAX_ARTICLE), f.no_lone_surrogate])
    url = ma.fields.Url(
        schemes={"http", "https"},
        require_tld=False,
        allow_none=True,
        validate=ma.validate.Length(max=MAX_URL),
    )
    title = f.text(1000, allow_none=True)
    publisher = f.text(f.MAX_NAME, allow_none=True)
    agency = f.text(f.MAX_NAME, allow_none=True)
    authors = f.text_list(50, load_default=list)
    published_at = ma.fields.AwareDateTime(default_timezone=UTC, allow_none=True)
    lang = f.LanguageTag(allow_none=True)

    @ma.validates_schema
    def _text_or_html(self, data, **kwargs):
        if ("text" in data) == ("html" in data):
            raise ma.ValidationError("Give the article as either text or html.", "text")


class ImportedSchema(ma.Schema):
    """With `import=true`: what the import did with this proposal."""

    status = f.one_of(("created", "matched", "failed"), required=True)
    id = ma.fields.Integer(metadata={"description": "The quote's id"})
    errors = ma.fields.Dict()


class ExtractionSchema(ma.Schema):
    """What a reviewer needs to judge a proposal."""

    start = ma.fields.Integer(
        required=True, metadata={"description": "Offset of the quote's first character in the article text"}
    )
    end = ma.fields.Integer(required=True, metadata={"description": "Offset just after its last character"})
    cue = ma.fields.String(allow_none=True, required=True, metadata={"example": "told reporters"})
    confidence = ma.fields.Float(required=True, metadata={"description": "0 to 1"})
    speaker_resolution = f.one_of(
        RESOLUTIONS,
        required=True,
        metadata={"description": "How the speaker was found: an alias on record, a surname or pronoun "
                  "referring back, a new person, an unnamed description, an organisation…"},
    )  # fmt: skip
    speaker_as_printed = ma.fields.String(allow_none=True, required=True)
    imported = ma.fields.Nested(ImportedSchema)


class ProposalSchema(QuoteInSchema):
    """A proposed quote: one `POST /v1/imports` line, with its `extraction` note."""

    extraction = ma.fields.Nested(ExtractionSchema, required=True)
