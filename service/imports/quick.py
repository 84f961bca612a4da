"""The common import line checked without marshmallow's per-field machinery.

`QuoteInSchema().load` took about a third of an import's CPU. Most lines are plainly well
formed: `quick_load` walks the schema's own fields (their limits, choices, defaults and
data keys, read from the fields), checks plain text and choices itself, hands every
other field (language tags, dates, URLs, ids) to the field's own `deserialize`, and
gives exactly the data the schema gives. A line it is not sure of, it leaves to the
schema (None): every refused line, and every message, still comes from the schema.
tests/imports/test_quick.py runs both over adversarial lines.
"""

from collections.abc import Callable
from functools import lru_cache

import marshmallow as ma

from service import fields as f
from service.quotes.schemas import CitationInSchema, QuoteInSchema, rule_errors, with_citations
from service.sources.schemas import SourceInSchema


class _Unsure(Exception):
    """A value the quick check leaves to the schema."""


def quick_load(body: dict) -> dict | None:
    """`QuoteInSchema().load(body)` for a line the quick check is sure of, else None."""
    try:
        return _load_quote(body)
    except (_Unsure, ma.ValidationError):
        return None


def _one_source(data: dict) -> dict:
    if ("source_id" in data) == ("source" in data):  # as CitationInSchema._one_source
        raise _Unsure
    return data


def _identifiable(data: dict) -> dict:
    if not any(data.get(k) for k in ("url", "publisher", "title")):  # as SourceInSchema._identifiable
        raise _Unsure
    return data


def _quote(data: dict) -> dict:
    if rule_errors(data):
        raise _Unsure
    return with_citations(data)


# The schema-level checks and post-load steps of each schema a line is made of.
_FINISH: dict[type, Callable[[dict], dict]] = {
    QuoteInSchema: _quote,
    CitationInSchema: _one_source,
    SourceInSchema: _identifiable,
}
_Check = Callable[[object], object]


def _schema_check(schema: ma.Schema) -> _Check:
    """A check of one object of `schema`: no unknown keys, each field checked, then the
    schema's own checks."""
    if schema.unknown != ma.RAISE or schema.many:
        raise TypeError(f"{type(schema).__name__}: only single objects refusing unknown keys")
    steps = [
        (field.data_key or name, field.attribute or name, field, _field_check(field))
        for name, field in schema.load_fields.items()
    ]
    known = frozenset(key for key, *_ in steps)
    finish = _FINISH.get(type(schema), _as_is)

    def check(value: object) -> dict:
        if type(value) is not dict or not known.issuperset(value):
            raise _Unsure
        data = {}
        for key, attribute, field, check_value in steps:
            if key in value:
                data[attribute] = check_value(value[key])
            elif field.required:
                raise _Unsure
            elif field.load_default is not ma.missing:
                default = field.load_default
                data[attribute] = default() if callable(default) else default
        return finish(data)

    return check


def _as_is(data: dict) -> dict:
    return data


def _field_check(field: ma.fields.Field) -> _Check:
    """The check of one field's value: by hand for plain text, choices, nested objects and
    lists of them; by the field itself for the rest."""
    if field.pre_load or field.post_load:
        return _by_field(field)
    if type(field) is ma.fields.Nested and not (field.many or field.only or field.exclude or field.unknown):
        return _nullable(field, _schema_check(field.schema))
    if type(field) is ma.fields.List:
        return _nullable(field, _list_check(field, _field_check(field.inner)))
    if type(field) is ma.fields.String:
        if (limit := _text_limit(field.validators)) is not None:
            return _nullable(field, _text_check(limit))
        if len(field.validators) == 1 and isinstance(field.validators[0], ma.validate.OneOf):
            return _nullable(field, _choice_check(field.validators[0].choices))
    return _by_field(field)


def _text_limit(validators: list) -> int | None:
    """The length limit of a `fields.text` field, None for any other validation."""
    match validators:
        case [
            ma.validate.Length(min=1, max=int() as limit, equal=None),
            f.NO_NUL,
            f.no_lone_surrogate,
            f.not_blank,
        ]:
            return limit
    return None


def _text_check(limit: int) -> _Check:
    def check(value: object) -> str:
        if type(value) is not str or not 0 < len(value) <= limit or "\x00" in value:
            raise _Unsure
        f.no_lone_surrogate(value)
        f.not_blank(value)
        return value

    return check


def _choice_check(choices) -> _Check:
    def check(value: object) -> str:
        if type(value) is not str or value not in choices:
            raise _Unsure
        return value

    return check


def _list_check(field: ma.fields.List, check_item: _Check) -> _Check:
    def check(value: object) -> list:
        if type(value) is not list:
            raise _Unsure
        items = [check_item(item) for item in value]
        for validator in field.validators:
            validator(items)
        return items

    return check


def _nullable(field: ma.fields.Field, check: _Check) -> _Check:
    if not field.allow_none:
        return check
    return lambda value: None if value is None else check(value)


def _by_field(field: ma.fields.Field) -> _Check:
    """The field's own `deserialize`; remembered for strings (the same language tags,
    dates and URLs come again and again)."""
    remembered = lru_cache(maxsize=10_000)(field.deserialize)
    return lambda value: remembered(value) if type(value) is str else field.deserialize(value)


_load_quote = _schema_check(QuoteInSchema())
