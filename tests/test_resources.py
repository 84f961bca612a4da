"""`load_json` reads every body and import line: through orjson where orjson reads it as
the standard library does, through the standard library otherwise."""

import json
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.resources import LoneSurrogates, UnreadableJson, load_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too: orjson would read those as floats
    | st.floats()  # NaN and infinities: the standard library writes and reads them
    | st.text()  # lone surrogates included
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


def same(a, b) -> bool:
    """Equal, with NaN equal to NaN and the types equal all the way down (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def standard(text: str | bytes):
    """What the standard library makes of `text`: its value, or the kind of error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.JSONDecodeError
    except (RecursionError, ValueError):
        return UnreadableJson


def ours(text: str | bytes):
    try:
        return load_json(text)
    except json.JSONDecodeError:
        return json.JSONDecodeError
    except LoneSurrogates:
        return LoneSurrogates
    except UnreadableJson:
        return UnreadableJson


@settings(max_examples=500)
@given(VALUES, st.booleans(), st.booleans())
@example(2**64, False, False)
@example(-(2**63) - 1, False, False)
@example(10**18, True, True)
@example(1.0, False, False)
def test_values_read_as_the_standard_library_reads_them(value, ensure_ascii, as_bytes):
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    if as_bytes:
        try:
            text = text.encode()
        except UnicodeEncodeError:  # a lone surrogate written raw: no UTF-8 body can hold it
            return
    expected = standard(text)
    if isinstance(expected, type) or not _has_lone_surrogate(expected):
        assert same(ours(text), expected)
    else:
        assert ours(text) is LoneSurrogates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[18446744073709551616]", [18446744073709551616]),
        ('{"id": 123456789012345678901234567890}', {"id": 123456789012345678901234567890}),
        ("[Infinity, -Infinity, 1e400]", [math.inf, -math.inf, math.inf]),
        ('"\\ud83d\\ude00"', "\U0001f600"),
    ],
)
def test_what_orjson_reads_otherwise_is_read_by_the_standard_library(text, expected):
    assert same(load_json(text), expected)


def test_nan_is_read_as_the_standard_library_reads_it():
    assert math.isnan(load_json("[NaN]")[0])


@pytest.mark.parametrize(
    "text, error",
    [
        ("[1,]", json.JSONDecodeError),
        ("\ufeff{}", json.JSONDecodeError),
        ('["\\ud800"]', LoneSurrogates),
        ("[" * 100_000 + "]" * 100_000, UnreadableJson),
        (b"{}\xff", UnreadableJson),
    ],
)
def test_refusals_keep_their_kind(text, error):
    with pytest.raises(error):
        load_json(text)


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return any(map(_has_lone_surrogate, value))
    if isinstance(value, dict):
        return any(map(_has_lone_surrogate, value)) or any(map(_has_lone_surrogate, value.values()))
    return False
