"""Source representations and inputs."""

import marshmallow as ma

from service import fields as f
from service.pagination import PageArgs, page_schema
from service.sources.models import SOURCE_KINDS

MAX_URL = 2048


class SourceSummarySchema(ma.Schema):
    """A source as embedded in a citation."""

    id = ma.fields.Integer(required=True)
    url = ma.fields.String(allow_none=True, required=True)
    title = ma.fields.String(allow_none=True, required=True)
    publisher = ma.fields.String(allow_none=True, required=True)
    agency = ma.fields.String(allow_none=True, required=True)
    published_at = ma.fields.DateTime(allow_none=True, required=True)
    kind = ma.fields.String(required=True)


class SourceSchema(SourceSummarySchema, f.RecordSchema):
    """A source with all its metadata."""

    authors = ma.fields.List(ma.fields.String(), required=True)
    lang = ma.fields.String(allow_none=True, required=True)


class SourceInSchema(ma.Schema):
    """A new source: a URL, or at least a publisher or a title."""

    url = ma.fields.Url(
        schemes={"http", "https"},
        require_tld=False,
        allow_none=True,
        validate=ma.validate.Length(max=MAX_URL),
        metadata={"description": "Canonicalised: lower-case host, no tracking parameters or fragment"},
    )
    title = f.text(1000, allow_none=True)
    publisher = f.text(f.MAX_NAME, allow_none=True)
    agency = f.text(f.MAX_NAME, allow_none=True, metadata={"description": "Wire agency, e.g. Reuters"})
    authors = f.text_list(50, load_default=list)
    published_at = f.Timestamp(allow_none=True)
    lang = f.LanguageTag(allow_none=True)
    kind = f.one_of(SOURCE_KINDS, load_default="article")

    @ma.validates_schema
    def _identifiable(self, data, partial=None, **kwargs):
        if not partial and not any(data.get(k) for k in ("url", "publisher", "title")):
            raise ma.ValidationError("A source needs a url, a publisher or a title.", "url")


class SourcePatchSchema(f.PartialSchema, SourceInSchema):
    """Changes to a source."""


class SourceFilterSchema(PageArgs):
    """Source list filters."""

    url = f.text(MAX_URL, metadata={"description": "Look up by URL (canonicalised first)"})
    publisher = f.text(f.MAX_NAME)


SourcePageSchema = page_schema(SourceSchema, "SourcePage")
