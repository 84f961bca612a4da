"""The quick check of an import line gives what the schema gives, or leaves the line to it."""

import copy
import json

import marshmallow as ma
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import fields as f
from service.imports.quick import quick_load
from service.quotes.schemas import QuoteInSchema
from service.sources.schemas import MAX_URL

SCHEMA = QuoteInSchema()


def loaded(body: dict) -> dict | None:
    try:
        return SCHEMA.load(copy.deepcopy(body))
    except ma.ValidationError:
        return None


def assert_same(body: dict) -> dict | None:
    """The quick check never takes a line the schema refuses, and gives the same data."""
    before = copy.deepcopy(body)
    quick = quick_load(body)
    assert body == before  # the line is left as it was
    if quick is not None:
        data = loaded(body)
        assert quick == data
        assert json.dumps(quick, default=repr) == json.dumps(data, default=repr)  # same key order too
    return quick


def texts(limit: int):
    """Strings, mostly fine, some at or over a text field's limits or with the characters it refuses."""
    fine = st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=8
    )
    return st.one_of(
        fine,
        fine,
        st.sampled_from(["", " ", "a", "x" * limit, "x" * (limit + 1), "a\x00b", "a\ud800", "é\n", "\ufeff"]),
    )


def anything():
    """Values of the wrong type for any field."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-2, 2**64),
        st.floats(allow_nan=False),
        st.sampled_from([[], {}, ["a"], {"a": 1}, 3.0, "2020-01-01", "en", "Q42"]),
    )


LANGS = st.sampled_from(
    ["en", "EN", "en-gb", "ru", "zh-hant", "xx", "e", "en-", "i-klingon", "x-foo", "en\n"]
)
DATES = st.sampled_from(["2020-01-31", "2020-02-30", "20200131", "2020-W01", "2020-01-31T00:00", "2020-1-1"])
TIMESTAMPS = st.sampled_from(
    [
        "2020-01-31T12:00:00Z",
        "2020-01-31T12:00:00",
        "2020-01-31",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00Z",
    ]
)
URLS = st.sampled_from(
    [
        "https://example.com/a?b=1#c",
        "HTTP://Example.COM",
        "ftp://example.com/",
        "https://localhost/x",
        "https://ex ample.com",
        "example.com",
        "https://example.com/" + "a" * MAX_URL,
    ]
)
CHOICES = st.sampled_from(
    ["direct", "partial", "indirect", "Direct", "unverified", "disputed", "day", "person", ""]
)


def some_keys(values: dict, most: int):
    """Objects with up to `most` of these keys."""
    names = st.lists(st.sampled_from(sorted(values)), max_size=most, unique=True)
    return names.flatmap(lambda chosen: st.fixed_dictionaries({key: values[key] for key in chosen}))


def optional_keys(values: dict):
    """Objects with any of these keys, now and then one of them of the wrong type or one
    the schema does not know."""
    keys = st.fixed_dictionaries({}, optional=values)
    wrong = st.dictionaries(
        st.sampled_from([*values, "unknown", "from", "id", "extraction"]), anything(), max_size=1
    )
    return st.tuples(keys, st.one_of(st.just({}), wrong)).map(lambda parts: parts[0] | parts[1])


roles = optional_keys(
    {"title": texts(f.MAX_NAME), "organisation": texts(f.MAX_NAME), "from": DATES, "to": DATES}
)
speakers = optional_keys(
    {
        "name": texts(f.MAX_NAME),
        "kind": CHOICES,
        "aliases": st.lists(texts(f.MAX_NAME), max_size=3),
        "wikidata_id": st.sampled_from(["Q42", "Q0", "Q42\n", "q42", None]),
        "roles": st.lists(roles, max_size=2),
    }
)
sources = optional_keys(
    {
        "url": URLS,
        "title": texts(1000),
        "publisher": texts(f.MAX_NAME),
        "agency": texts(f.MAX_NAME),
        "authors": st.lists(texts(f.MAX_NAME), max_size=3),
        "published_at": TIMESTAMPS,
        "lang": LANGS,
        "kind": st.sampled_from(["article", "tweet", "blog"]),
    }
)
citations = optional_keys(
    {
        "source_id": st.sampled_from([1, 0, -1, 2**63, 2**63 - 1, 1.0, 1.5, True, "1"]),
        "source": sources,
        "printed_text": texts(f.MAX_TEXT),
        "attribution": texts(f.MAX_NOTE),
        "via": texts(f.MAX_NAME),
    }
)
translations = optional_keys({"lang": LANGS, "text": texts(f.MAX_TEXT), "translator": texts(f.MAX_NAME)})
QUOTE_VALUES = {
    "text": texts(f.MAX_TEXT),
    "lang": LANGS,
    "kind": CHOICES,
    "speaker_id": st.sampled_from([1, 0, 2**63, 1.0, True]),
    "speaker": speakers,
    "speaker_description": texts(f.MAX_NAME),
    "speaker_role": texts(f.MAX_NAME),
    "said_on": DATES,
    "said_on_precision": CHOICES,
    "context": texts(f.MAX_NOTE),
    "status": st.sampled_from(["verified", "disputed", "retracted", "bogus"]),
    "status_note": texts(f.MAX_NOTE),
    "topics": st.lists(texts(100), max_size=3) | st.just(["t"] * 51),
    "translations": st.lists(translations, max_size=2),
    "citations": st.lists(citations, max_size=2),
    "source": sources,
}
quotes = optional_keys(QUOTE_VALUES)
# A well-formed line to start from, so that most examples get deep into the checks.
BASE = {
    "text": "We will not stop.",
    "lang": "en",
    "kind": "direct",
    "speaker": {"name": "Yury Ushakov"},
    "citations": [{"source": {"url": "https://example.com/a"}}],
}


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(quotes, optional_keys(QUOTE_VALUES) | some_keys(QUOTE_VALUES, 3))
def test_a_quick_line_is_what_the_schema_loads(body, change):
    assert_same(body)
    assert_same(BASE | change)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(speakers, sources, citations, translations)
def test_nested_objects_on_a_good_line(speaker, source, citation, translation):
    assert_same(BASE | {"speaker": speaker})
    assert_same(BASE | {"citations": [{"source": source}]})
    assert_same(BASE | {"citations": [citation]})
    assert_same(BASE | {"translations": [translation]})


def test_the_benchmark_lines_are_all_quick(tmp_path):
    from bench.gen_data import write_ndjson

    path = tmp_path / "quotes.ndjson"
    write_ndjson(path, 2000)
    for line in path.read_text().splitlines():
        assert assert_same(json.loads(line)) is not None


def test_full_lines_are_quick():
    body = BASE | {
        "speaker": {
            "name": "Yury Ushakov",
            "kind": "person",
            "aliases": ["Ушаков"],
            "wikidata_id": "Q4771418",
            "roles": [{"title": "aide", "from": "2012-05-21", "to": None}],
        },
        "said_on": "2024-02-01",
        "context": "told reporters",
        "topics": ["ukraine"],
        "translations": [{"lang": "ru", "text": "Мы не остановимся."}],
        "citations": [{"source_id": 7, "via": "TASS"}, {"source": {"publisher": "TASS", "lang": "ru"}}],
        "source": {"url": "https://Example.com/a?utm_source=x", "published_at": "2024-02-01T10:00:00+03:00"},
        "extraction": {"confidence": 0.9},
    }
    assert assert_same(body) is not None
