"""The API's JSON provider: orjson writes the bodies Flask's own provider wrote (floats:
the same numbers, where the notation of a very small or large one may differ)."""

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given
from hypothesis import strategies as st

from service.api import JSONProvider

# What response bodies hold: text (never a lone surrogate: requests holding one are
# refused at the edge), integers of any size, booleans, null, lists and objects.
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=25,
)


@dataclass
class Said:
    at: datetime
    words: str


def bodies(value, debug: bool = False) -> tuple[bytes, bytes]:
    """The response body of `value` from OnRecord's provider and from Flask's, configured
    as OnRecord configured it before (UTF-8, keys in the order given)."""
    app = flask.Flask(__name__)
    app.debug = debug
    flask_provider = DefaultJSONProvider(app)
    flask_provider.ensure_ascii = flask_provider.sort_keys = False
    return JSONProvider(app).response(value).get_data(), flask_provider.response(value).get_data()


@given(VALUES)
def test_bodies_are_what_flask_wrote(value):
    ours, flasks = bodies(value)
    assert ours == flasks


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False)))
def test_floats_are_the_same_numbers(numbers):
    ours, flasks = bodies(numbers)
    assert json.loads(ours) == json.loads(flasks)


def test_nan_is_null_as_json_has_no_nan():
    ours, _ = bodies([math.nan])
    assert ours == b"[null]\n"


def test_dates_dataclasses_number_keys_and_debug_output_are_what_flask_wrote():
    value = {"said": Said(datetime(2026, 12, 7, 6, 0, tzinfo=UTC), "Да"), 1: "one"}
    ours, flasks = bodies(value)
    expected = '{"said":{"at":"Mon, 07 Dec 2026 06:00:00 GMT","words":"Да"},"1":"one"}\n'
    assert ours == flasks == expected.encode()
    ours, flasks = bodies(value, debug=True)
    assert ours == flasks and ours.startswith(b'{\n  "said": {')
