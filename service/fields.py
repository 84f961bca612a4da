"""Validated field types shared by every domain's schemas."""

import langcodes
import marshmallow as ma

MAX_TEXT = 5000
MAX_NAME = 300
MAX_NOTE = 2000
MAX_ID = 2**63 - 1


def as_record_id(value: str) -> int | None:
    """`value` as a record id if it is one (ASCII digits, in range), else None."""
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


class LanguageTag(ma.fields.String):
    """A BCP 47 language tag (`en`, `ru`, `pt-BR`), kept as written."""

    def __init__(self, **kwargs):
        metadata = {"description": "BCP 47 language tag", "example": "en"} | kwargs.pop("metadata", {})
        super().__init__(validate=ma.validate.Length(2, 35), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        tag = super()._deserialize(value, attr, data, **kwargs)
        if not langcodes.tag_is_valid(tag):
            raise ma.ValidationError(f"{tag!r} is not a BCP 47 language tag.")
        return tag


def record_id(**kwargs) -> ma.fields.Integer:
    """A reference to a stored record by id."""
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(1, MAX_ID), **kwargs)


def no_nul(value: str) -> None:
    """PostgreSQL text cannot hold NUL characters: refuse them at the edge."""
    if "\x00" in value:
        raise ma.ValidationError("NUL characters are not allowed.")


def text(max_length: int = MAX_TEXT, **kwargs) -> ma.fields.String:
    """A string of 1 to `max_length` characters, without NUL characters."""
    return ma.fields.String(validate=[ma.validate.Length(1, max_length), no_nul], **kwargs)


def text_list(max_items: int, max_length: int = MAX_NAME, **kwargs) -> ma.fields.List:
    """A bounded list of bounded strings."""
    return ma.fields.List(text(max_length), validate=ma.validate.Length(max=max_items), **kwargs)


def wikidata_id(**kwargs) -> ma.fields.String:
    """A Wikidata item identifier: `Q` and digits."""
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^Q[1-9][0-9]{0,11}$", error="Not a Wikidata QID (Q + digits)."),
        metadata={"example": "Q56226"},
        **kwargs,
    )


def one_of(choices: tuple[str, ...], **kwargs) -> ma.fields.String:
    """A string from a fixed set."""
    return ma.fields.String(validate=ma.validate.OneOf(choices), **kwargs)


class RecordSchema(ma.Schema):
    """What every stored record shows: id, timestamps and version."""

    BOOKKEEPING = ("created_at", "updated_at", "version")

    id = ma.fields.Integer(dump_only=True, required=True)
    created_at = ma.fields.DateTime(dump_only=True, required=True)
    updated_at = ma.fields.DateTime(dump_only=True, required=True)
    version = ma.fields.Integer(dump_only=True, required=True)

    @ma.post_dump
    def _bookkeeping_last(self, data, **kwargs):
        """Readers look for the content first: timestamps and version go at the end."""
        content = {k: v for k, v in data.items() if k not in self.BOOKKEEPING}
        return content | {k: data[k] for k in self.BOOKKEEPING if k in data}


class PartialSchema(ma.Schema):
    """A schema for PATCH: the same fields as its base, none of them required."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)
