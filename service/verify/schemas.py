"""Verify's question and answer."""

import marshmallow as ma

from service import fields as f
from service.quotes.schemas import QuoteSchema
from service.speakers.schemas import SpeakerSummarySchema

VERDICTS = ("verified", "altered", "misattributed", "not_found")


class ClaimSchema(ma.Schema):
    """A claimed quote: the wording, and optionally who is said to have said it."""

    text = f.text(required=True, metadata={"description": "The claimed wording; `...` marks a gap"})
    speaker = f.text(f.MAX_NAME, metadata={"description": "Any alias, in any script"})


class DifferenceSchema(ma.Schema):
    """A run of words that differs."""

    claimed = ma.fields.String(required=True)
    recorded = ma.fields.String(required=True)


class MatchSchema(ma.Schema):
    """A recorded quote close to the claim."""

    quote = ma.fields.Nested(QuoteSchema, required=True)
    score = ma.fields.Float(required=True, metadata={"description": "0..1, 1 for the same words"})
    match = f.one_of(("exact", "excerpt", "close", "translation"), required=True)
    differences = ma.fields.List(ma.fields.Nested(DifferenceSchema), required=True)


class ClaimedSchema(ma.Schema):
    """The claim as understood."""

    text = ma.fields.String(required=True)
    speaker = ma.fields.String(allow_none=True, required=True)
    speaker_known = ma.fields.Boolean(
        allow_none=True, required=True, metadata={"description": "Is the claimed speaker on record?"}
    )
    speakers = ma.fields.List(ma.fields.Nested(SpeakerSummarySchema), required=True)


class VerdictSchema(ma.Schema):
    """The verdict, one sentence, and the matches to cite."""

    verdict = f.one_of(VERDICTS, required=True)
    summary = ma.fields.String(required=True)
    claimed = ma.fields.Nested(ClaimedSchema, required=True)
    matches = ma.fields.List(ma.fields.Nested(MatchSchema), required=True)
    warnings = ma.fields.List(ma.fields.String(), required=True)
