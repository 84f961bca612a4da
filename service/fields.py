"""Validated field types shared by every domain's schemas."""

import numbers
import re
import unicodedata
from datetime import UTC

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


# RFC 5646's syntax: language (extlangs), script, region, variants, extensions, private use.
LANGUAGE_TAG = re.compile(
    r"^([A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*"
    r"(-[Xx](-[A-Za-z0-9]{1,8})+)?|[Xx](-[A-Za-z0-9]{1,8})+)$"
)
MAX_TAG = 35


def canonical_case(tag: str) -> str:
    """A well-formed language tag in the case RFC 5646 recommends (section 2.1.1), which is
    how the registry spells it: `en`, `en-GB`, `zh-Hant`, `sr-Latn-RS`, `de-CH-x-phonebk`.
    Tags are case-insensitive, so this is one spelling per tag."""
    subtags = tag.lower().split("-")
    for position, subtag in enumerate(subtags[1:], start=1):
        if len(subtags[position - 1]) == 1:  # an extension or private use: the rest stays lower
            break
        if len(subtag) == 4 and subtag.isalpha():
            subtags[position] = subtag.title()
        elif len(subtag) == 2 and subtag.isalpha():
            subtags[position] = subtag.upper()
    return "-".join(subtags)


class LanguageTag(ma.fields.String):
    """A BCP 47 language tag (`en`, `ru`, `pt-BR`) with registered subtags, in its
    canonical case (`EN` is `en`)."""

    def __init__(self, **kwargs):
        metadata = {
            "description": "BCP 47 language tag",
            "example": "en",
            "pattern": LANGUAGE_TAG.pattern,
        } | kwargs.pop("metadata", {})
        super().__init__(validate=ma.validate.Length(2, MAX_TAG), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        tag = super()._deserialize(value, attr, data, **kwargs)
        # Length and syntax before langcodes, which recurses once per subtag (a thousand
        # overflow the stack).
        if not (len(tag) <= MAX_TAG and LANGUAGE_TAG.fullmatch(tag) and langcodes.tag_is_valid(tag)):
            shown = tag if len(tag) <= MAX_TAG else tag[:MAX_TAG] + "..."
            raise ma.ValidationError(f"{shown!r} is not a BCP 47 language tag.")
        return canonical_case(tag)


class JsonInteger(ma.fields.Integer):
    """An integer as JSON Schema has it: `3` or `3.0`; not `3.5`, `"3"` or `true`."""

    def _validated(self, value) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif not isinstance(value, numbers.Integral):  # Number refuses booleans itself
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class QueryInteger(ma.fields.Integer):
    """An integer in a query string, in ASCII digits: not `١`, `1_000`, `+1` or ` 1`,
    which Python's `int` takes."""

    def _validated(self, value) -> int:
        if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Timestamp(ma.fields.AwareDateTime):
    """An RFC 3339 date-time (UTC when no offset is given) that falls between years 1 and
    9999 in UTC: PostgreSQL would store `9999-12-31T23:59:59-05:00`, but no Python
    client could read it back."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError("Out of range: in UTC it must fall between years 1 and 9999.") from None
        return moment


def record_id(**kwargs) -> ma.fields.Integer:
    """A reference to a stored record by id."""
    return JsonInteger(validate=ma.validate.Range(1, MAX_ID), **kwargs)


# PostgreSQL text cannot hold NUL characters: refuse them at the edge.
NO_NUL = ma.validate.Regexp(r"^[^\x00]*$", error="NUL characters are not allowed.")
_SURROGATE = re.compile("[\ud800-\udfff]")


def no_lone_surrogate(value: str) -> None:
    """JSON can escape half a UTF-16 pair (`"\\ud800"`); that is no character, and
    PostgreSQL's UTF-8 cannot store it."""
    if _SURROGATE.search(value):
        raise ma.ValidationError("Not valid Unicode: a lone surrogate (U+D800 to U+DFFF).")


def not_blank(value: str) -> None:
    """Text holds something to read: not only spaces, line breaks and invisible format
    characters (zero-width spaces and the like). An empty string is Length's to refuse."""
    if value and all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
        raise ma.ValidationError("Must not be blank: only spaces or invisible characters.")


def text(max_length: int = MAX_TEXT, **kwargs) -> ma.fields.String:
    """A string of 1 to `max_length` characters, not blank, without NUL characters or
    lone surrogates."""
    validators = [ma.validate.Length(1, max_length), NO_NUL, no_lone_surrogate, not_blank]
    return ma.fields.String(validate=validators, **kwargs)


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
        return bookkeeping_last(data)


def bookkeeping_last(record: dict) -> dict:
    """Readers look for the content first: a record's timestamps and version go at the end."""
    content = {k: v for k, v in record.items() if k not in RecordSchema.BOOKKEEPING}
    return content | {k: record[k] for k in RecordSchema.BOOKKEEPING if k in record}


class PartialSchema(ma.Schema):
    """A schema for PATCH: the same fields as its base, none of them required, and none
    with a default: a field left out stays as it is, so the spec must not tell clients
    to send one (generated clients send every default)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        field_obj.load_default = ma.missing
