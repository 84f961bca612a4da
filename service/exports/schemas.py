"""Export arguments: the quote list filters, and the format."""

from service import fields as f
from service.exports.services import FORMATS
from service.quotes.schemas import QuoteFilterSchema


class ExportArgsSchema(QuoteFilterSchema):
    """The filters of `GET /v1/quotes` (every matching quote is exported, in id order)."""

    class Meta:
        exclude = ("limit", "cursor", "sort")

    format = f.one_of(
        FORMATS,
        metadata={
            "description": "ndjson (the default; also `Accept: application/x-ndjson`) or csv "
            "(also `Accept: text/csv`)"
        },
    )
