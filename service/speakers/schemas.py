"""Speaker representations and inputs."""

import marshmallow as ma

from service import fields as f
from service.pagination import PageArgs, page_schema
from service.speakers.models import SPEAKER_KINDS


class RoleSchema(ma.Schema):
    """A title held over a period."""

    title = f.text(f.MAX_NAME, required=True)
    organisation = f.text(f.MAX_NAME, allow_none=True)
    started_on = ma.fields.Date(data_key="from", allow_none=True)
    ended_on = ma.fields.Date(data_key="to", allow_none=True)


class SpeakerSummarySchema(ma.Schema):
    """A speaker as embedded in a quote."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    aliases = ma.fields.List(ma.fields.String(), attribute="other_names", required=True)
    wikidata_id = ma.fields.String(allow_none=True, required=True)


class SpeakerSchema(SpeakerSummarySchema, f.RecordSchema):
    """A speaker with every name and role."""

    kind = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.Nested(RoleSchema), required=True)
    score = ma.fields.Float(
        metadata={"description": "With `q`: how close the closest alias is, 1 for an exact match"}
    )


class SpeakerInSchema(ma.Schema):
    """A new speaker; the display name is always one of its aliases."""

    name = f.text(f.MAX_NAME, required=True)
    kind = f.one_of(SPEAKER_KINDS, load_default="person")
    aliases = f.text_list(100, load_default=list)
    wikidata_id = f.wikidata_id(allow_none=True)
    roles = ma.fields.List(
        ma.fields.Nested(RoleSchema), validate=ma.validate.Length(max=50), load_default=list
    )


class SpeakerPatchSchema(f.PartialSchema, SpeakerInSchema):
    """Changes to a speaker; `aliases` and `roles` replace the lists they name."""


class SpeakerFilterSchema(PageArgs):
    """Speaker list filters."""

    q = f.text(f.MAX_NAME, metadata={"description": "Any alias: case, accents and hyphens are ignored"})
    wikidata_id = f.wikidata_id()


class MergeSchema(ma.Schema):
    """Which speaker survives a merge."""

    into = f.record_id(required=True, metadata={"description": "The id of the speaker that stays"})


SpeakerPageSchema = page_schema(SpeakerSchema, "SpeakerPage")
