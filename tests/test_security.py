"""Hostile input through every filter, body and path: SQL and LIKE injection, odd and
broken Unicode, NUL characters, over-long strings, huge numbers, bad dates, path traversal,
forged keys. Whatever comes in, the answer is a success or a problem+json 4xx that shows no
stack trace, no SQL and no secret, and the data is all still there.

The filters are read from the committed spec, so a new one is covered when it is added.
"""

import json
from urllib.parse import quote as percent_encoded

import pytest
import requests
import yaml

from tests.conftest import ROOT
from tests.quotes.test_views import QUOTE, post
from tests.test_cli import Serving, environment

SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
NO_SUCH_WORD = "zzyzx"  # in no quote: a claim of it matches nothing
PATH_VALUES = {"{quote_id}": "1", "{speaker_id}": "1", "{source_id}": "1", "{name}": "no-such-key"}
REQUIRED = {"/v1/verify": {"text": NO_SUCH_WORD}}
SEARCHES = ("q", "text")  # full text: a payload's words may be found in a quote, but never all

INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE quotes; --",
    '" OR ""="',
    "1) OR (1=1",
    "%",
    "_",
    "\\",
    "%%'",
    "*",
    "$1",
]
# Sent as they are in the query string (already percent-encoded where needed).
MALFORMED = {
    "combining marks": percent_encoded("Pu\u0301tin a\u0300\u0301\u0302\u0303\u0304"),
    "RTL override": percent_encoded("\u202enitup\u202c"),
    "zero-width": percent_encoded("Pes\u200bkov\u200d\ufeff"),
    "emoji": percent_encoded("🤖🇰🇵👩‍👩‍👧"),
    "vulgar fraction": percent_encoded("x¾"),  # PostgreSQL 18 unaccents it to `x 3/4`
    "NUL": "Putin%00",
    "lone surrogate as UTF-8": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE%C0%AF",
    "over-long": "x" * 10_000,
    "many subtags": "en" + "-abcde" * 1_200,
    "2**63": str(2**63),
    "10**30": str(10**30),
    "negative": "-1",
    "exponent": "1e5",
    "underscore": "1_0",
    "Arabic-Indic digit": percent_encoded("١"),
    "2019-02-30": "2019-02-30",
    "0000-01-01": "0000-01-01",
    "99999-01-01": "99999-01-01",
}
LEAKS = ("Traceback", 'File "', "SELECT ")  # as Python and PostgreSQL write them
LEAKS_IN_ANY_CASE = ("psycopg", "sqlalchemy", "postgresql://")


def _path(template: str) -> str:
    for placeholder, value in PATH_VALUES.items():
        template = template.replace(placeholder, value)
    return template


def query_parameters(kind=None) -> list:
    """(path, name) of every query parameter of every GET in the spec (of `kind` only:
    "integer" or "date")."""
    return [
        pytest.param(_path(template), parameter["name"], id=f"{template}?{parameter['name']}")
        for template, item in SPEC["paths"].items()
        for parameter in item.get("get", {}).get("parameters", [])
        if parameter.get("in") == "query"
        and kind in (None, parameter.get("schema", {}).get("type"), parameter.get("schema", {}).get("format"))
    ]


@pytest.fixture
def admin(client, keys):
    """The test client with an admin key, so every endpoint is reached."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys['admin']}"
    return client


def assert_safe(response, secret: str) -> None:
    """No server error; an error is problem+json; no stack trace, SQL or secret shows."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == response.status_code
    assert not [leak for leak in LEAKS if leak in body], body[:2000]
    assert not [leak for leak in LEAKS_IN_ANY_CASE if leak in body.lower()], body[:2000]
    assert secret not in body and secret not in str(response.headers)


def holdings(client) -> tuple[int, ...]:
    """How many quotes, speakers and sources are on record (each fits one page)."""
    return tuple(
        len(client.get(f"/v1/{kind}?limit=500").get_json()["items"])
        for kind in ("quotes", "speakers", "sources")
    )


def matched(response) -> int:
    """How many records a successful answer holds: a page's items, a verdict's claimed
    speakers, an export's lines."""
    if response.mimetype == "application/json":
        body = response.get_json()
        return len(body["items"]) if "items" in body else len(body["claimed"]["speakers"])
    return len(response.get_data(as_text=True).splitlines())


def query(path: str, name: str, encoded_value: str) -> str:
    """`path` with the required parameters and `name` set to an already encoded value."""
    params = {k: percent_encoded(v) for k, v in REQUIRED.get(path, {}).items()} | {name: encoded_value}
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


class TestFilters:
    @pytest.mark.parametrize("payload", INJECTIONS)
    @pytest.mark.parametrize("path,name", query_parameters())
    def test_injection_matches_nothing_and_changes_nothing(self, admin, keys, path, name, payload):
        before = holdings(admin)
        response = admin.get(query(path, name, percent_encoded(payload)))
        assert_safe(response, keys["admin"])
        if response.status_code == 200 and name in SEARCHES:
            assert matched(response) < before[0]
        elif response.status_code == 200:
            assert matched(response) == 0
        assert holdings(admin) == before

    @pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
    @pytest.mark.parametrize("path,name", query_parameters())
    def test_malformed_values_are_answered_safely(self, admin, keys, path, name, value):
        assert_safe(admin.get(query(path, name, value)), keys["admin"])

    @pytest.mark.parametrize(
        "value", ["2**63", "10**30", "negative", "exponent", "underscore", "Arabic-Indic digit"]
    )
    @pytest.mark.parametrize("path,name", query_parameters("integer"))
    def test_bad_numbers_are_400(self, admin, path, name, value):
        assert admin.get(query(path, name, MALFORMED[value])).status_code == 400

    @pytest.mark.parametrize("value", ["2019-02-30", "0000-01-01", "99999-01-01"])
    @pytest.mark.parametrize("path,name", query_parameters("date"))
    def test_bad_dates_are_400(self, admin, path, name, value):
        assert admin.get(query(path, name, value)).status_code == 400


WILDCARD_QUOTE = QUOTE | {
    "speaker": {"name": "Agent_99%"},
    "topics": ["50%_off"],
    "citations": [{"source": {"title": "Wildcards", "publisher": "100%_Wire"}}],
}


@pytest.mark.parametrize(
    "path,name,literal,wildcards",
    [
        ("/v1/quotes", "speaker", "Agent_99%", ["Agent%", "Agent_9_%", "%", "_gent_99%"]),
        ("/v1/quotes", "topic", "50%_off", ["50%", "%off", "%", "50__off"]),
        ("/v1/sources", "publisher", "100%_Wire", ["100%", "%Wire", "%", "100%_W%"]),
        ("/v1/export", "speaker", "Agent_99%", ["Agent%", "%"]),
    ],
)
def test_like_wildcards_are_literal(client, path, name, literal, wildcards):
    post(client, WILDCARD_QUOTE)
    assert matched(client.get(path, query_string={name: literal})) == 1
    for pattern in wildcards:
        assert matched(client.get(path, query_string={name: pattern})) == 0, pattern


ODD_TEXT = {
    "combining marks": "Cafe\u0301 a\u0300\u0301\u0302\u0303\u0304 said it",
    "RTL override": "\u202eevil\u202c said \u05e9\u05dc\u05d5\u05dd",
    "zero-width": "Zero\u200bwidth\u200d joiner\ufeff",
    "emoji": "🤖 said 🇰🇵 👩‍👩‍👧",
    "astral plane": "\U0001d400\U0001f600\U00020000",
}
# (path, the field holding text, the rest of a valid body)
TEXT_BODIES = [
    pytest.param("/v1/quotes", "text", QUOTE, id="quote"),
    pytest.param("/v1/speakers", "name", {}, id="speaker"),
    pytest.param("/v1/sources", "title", {}, id="source"),
    pytest.param("/v1/verify", "text", {}, id="claim"),
]


class TestBodies:
    @pytest.mark.parametrize("text", ODD_TEXT.values(), ids=ODD_TEXT.keys())
    @pytest.mark.parametrize("path,field,body", TEXT_BODIES)
    def test_odd_unicode_is_kept_as_sent(self, client, keys, path, field, body, text):
        response = client.post(path, json=body | {field: text})
        assert_safe(response, keys["write"])
        assert response.status_code in (200, 201), response.get_json()
        if "Location" in response.headers:
            assert client.get(response.headers["Location"]).get_json()[field] == text

    @pytest.mark.parametrize(
        "raw,status",
        [
            ('"a\\ud800b"', 422),  # half a UTF-16 pair: no character
            ('"\\udfff"', 422),
            ('"nul\\u0000"', 422),
            ('"' + "x" * 5_001 + '"', 422),
            ('"' + "x" * 1_100_000 + '"', 413),
            ('" \\n\\t "', 422),  # nothing to read
            ('"\\u200b\\u00a0"', 422),  # a zero-width and a no-break space
        ],
        ids=[
            "lone high surrogate",
            "lone low surrogate",
            "NUL",
            "over its length",
            "over 1 MiB",
            "blank",
            "invisible",
        ],
    )
    @pytest.mark.parametrize("path,field,body", TEXT_BODIES)
    def test_unstorable_text_is_refused(self, client, keys, path, field, body, raw, status):
        before = holdings(client)
        json_body = _json_with(body, field, raw)
        response = client.post(path, data=json_body, content_type="application/json")
        assert_safe(response, keys["write"])
        assert response.status_code == status
        assert holdings(client) == before

    @pytest.mark.parametrize(
        "value,status",
        [
            ("9223372036854775808", 422),  # 2**63: past bigint
            ("1" + "0" * 30, 422),
            ("-1", 422),
            ("0", 422),
            ("1.5", 422),
            ("1e400", 422),  # infinity once parsed
            ("NaN", 422),
            ("Infinity", 422),
            ('"1"', 422),
            ("true", 422),
            ("1e5", 404),  # 100000, as JSON Schema's integers allow: no such speaker
            ("1.0", 201),  # speaker 1
        ],
    )
    def test_huge_and_odd_numbers_as_ids(self, client, keys, value, status):
        body = {k: v for k, v in QUOTE.items() if k != "speaker"}
        response = client.post(
            "/v1/quotes", data=_json_with(body, "speaker_id", value), content_type="application/json"
        )
        assert_safe(response, keys["write"])
        assert response.status_code == status

    @pytest.mark.parametrize("value", ["2019-02-30", "0000-01-01", "99999-01-01", "2019-04-24T25:00:00Z", ""])
    @pytest.mark.parametrize(
        "path,dated",
        [
            pytest.param("/v1/quotes", lambda date: QUOTE | {"said_on": date}, id="said_on"),
            pytest.param("/v1/sources", lambda date: {"title": "T", "published_at": date}, id="published_at"),
            pytest.param(
                "/v1/speakers", lambda date: {"name": "N", "roles": [{"title": "T", "from": date}]}, id="role"
            ),
        ],
    )
    def test_bad_dates_are_422(self, client, keys, path, dated, value):
        response = client.post(path, json=dated(value))
        assert_safe(response, keys["write"])
        assert response.status_code == 422


def _json_with(body: dict, field: str, raw_value: str) -> str:
    """`body` as JSON with `field` set to `raw_value`, a JSON text written out by hand (so it
    can hold what json.dumps would not write: lone surrogates, NaN, 1e400)."""
    placeholder = "__raw__"
    return json.dumps(body | {field: placeholder}).replace(f'"{placeholder}"', raw_value)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/quotes/..%2f..%2fetc%2fpasswd",
        "/v1/quotes/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/quotes/1;DROP",
        "/v1/quotes/1%3BDROP%20TABLE%20quotes",
        "/v1/quotes/%2e%2e",
        "/v1/quotes/%2e%2e%2f%2e%2e%2fhealth",
        "/v1/quotes/1%2f..%2f2",
        "/v1/quotes/1%00",
        "/v1/quotes/-1",
        "/v1/quotes/0",
        "/v1/quotes/9223372036854775808",
        "/v1/quotes/1e5",
        "/v1/quotes/0x10",
        "/v1/quotes/%D9%A1",  # Arabic-Indic one
        "/v1/quotes/%EF%BC%91",  # fullwidth one
        "/v1/speakers/..%2f..%2fetc%2fpasswd",
        "/v1/sources/..%5c..%5cwindows%5cwin.ini",
        "/v1/quotes/1/history/..%2f..%2f..%2fetc%2fpasswd",
        "/v1/keys/..%2f..%2fetc%2fpasswd",
        "/v1/keys/%2e%2e",
    ],
)
def test_path_traversal_in_ids_is_404(admin, keys, path):
    response = admin.get(path)
    assert_safe(response, keys["admin"])
    assert response.status_code == 404
    assert "root:" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer ' OR 1=1 --",
        "Bearer %",
        "Bearer {secret}'",
        "Bearer {secret}%00",
        "Bearer {secret} {secret}",
        "Basic {secret}",
        "{secret}",
        "Bearer " + "x" * 8000,
    ],
)
def test_forged_keys_are_401_and_not_echoed(client, keys, authorization):
    response = client.post(
        "/v1/speakers",
        json={"name": "Forged"},
        headers={"Authorization": authorization.format(secret=keys["admin"])},
    )
    assert_safe(response, keys["admin"])
    assert response.status_code == 401


def logged(output: str, request_id: str) -> dict:
    """The log line of the request with this id in a server's output."""
    return next(json.loads(line) for line in output.splitlines() if f'"request_id":"{request_id}"' in line)


def test_the_http_server_answers_over_long_requests_with_problems(database_url, engine):
    """gunicorn refuses these before the app sees them; its answers keep the API's error shape."""
    server = Serving(environment(DATABASE_URL=database_url))
    try:
        claim = requests.get(server.base + "/v1/verify", params={"text": "x" * 5000}, timeout=10)
        long_line = requests.get(server.base + "/v1/verify", params={"text": "x" * 8200}, timeout=10)
        long_header = requests.get(server.base + "/health", headers={"X-Long": "x" * 9000}, timeout=10)
    finally:
        output = server.stop()
    assert claim.status_code == 200  # over gunicorn's default limit of 4094 bytes
    for response, status in ((long_line, 414), (long_header, 431)):
        assert response.status_code == status
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == status and "8190 bytes" in response.json()["detail"]
        assert "x" * 100 not in response.text
        request_id = response.headers["X-Request-ID"]  # as every answer has, with its log line
        line = logged(output, request_id)
        assert (line["status"], line["path"]) == (status, None)
