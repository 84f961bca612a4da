"""JSON request bodies Python's parser cannot take (nested past its recursion limit, an
integer past its 4,300-digit limit) are 400 on every endpoint that reads JSON, and
values PostgreSQL or Python cannot hold (dates past year 9999 or before year 1 once in
UTC, lone surrogates) are 422 with nothing stored. The operations are read from the
committed spec, so a new one is covered when it is added."""

import logging

import pytest
import requests

from tests.quotes.test_views import QUOTE
from tests.test_cli import Serving, environment
from tests.test_security import SPEC, _path, assert_safe, holdings

UNPARSABLE = {
    "100,000 brackets": "[" * 100_000 + "]" * 100_000,
    "5,000 nested objects": '{"a":' * 5_000 + "1" + "}" * 5_000,
    "a 5,000-digit integer": '{"text": ' + "9" * 5_000 + "}",
}
OUT_OF_RANGE = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
LONE_SURROGATE_URL = '"https://news.example.org/\\ud800"'


def json_operations() -> list:
    """(method, path) of every operation in the spec that takes a JSON body."""
    return [
        pytest.param(method, _path(template), id=f"{method.upper()} {template}")
        for template, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


@pytest.fixture
def admin(client, keys):
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys['admin']}"
    return client


def no_traceback(caplog) -> bool:
    return not [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR]


@pytest.mark.parametrize("body", UNPARSABLE.values(), ids=UNPARSABLE.keys())
@pytest.mark.parametrize("method,path", json_operations())
def test_json_python_cannot_parse_is_400(admin, keys, caplog, method, path, body):
    headers = {"If-Match": '"any"'}
    response = admin.open(path, method=method, data=body, content_type="application/json", headers=headers)
    assert_safe(response, keys["admin"])
    assert response.status_code == 400, response.get_json()
    assert no_traceback(caplog)


@pytest.mark.parametrize("body", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_anonymous_verify_with_unparsable_json_is_400(client, caplog, body):
    del client.environ_base["HTTP_AUTHORIZATION"]
    response = client.post("/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "nested" in response.get_json()["detail"] or "digits" in response.get_json()["detail"]
    assert no_traceback(caplog)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize(
    "path,dated",
    [
        pytest.param("/v1/sources", lambda date: {"title": "T", "published_at": date}, id="source"),
        pytest.param(
            "/v1/quotes",
            lambda date: QUOTE | {"source": {"title": "T", "published_at": date}},
            id="quote's source",
        ),
    ],
)
def test_timestamps_outside_what_can_be_stored_and_read_are_422(client, keys, path, dated, value):
    before = holdings(client)
    response = client.post(path, json=dated(value))
    assert_safe(response, keys["write"])
    assert response.status_code == 422
    assert "year" in str(response.get_json()["errors"])
    assert holdings(client) == before


@pytest.mark.parametrize(
    "path,body",
    [
        pytest.param("/v1/sources", '{"url": ' + LONE_SURROGATE_URL + "}", id="source"),
        pytest.param(
            "/v1/quotes",
            '{"text": "T", "lang": "en", "kind": "direct", "speaker_description": "an official", '
            '"source": {"url": ' + LONE_SURROGATE_URL + "}}",
            id="quote's source",
        ),
    ],
)
def test_lone_surrogates_in_urls_are_422(client, keys, path, body):
    before = holdings(client)
    response = client.post(path, data=body, content_type="application/json")
    assert_safe(response, keys["write"])
    assert response.status_code == 422 and "surrogate" in str(response.get_json()["errors"])
    assert holdings(client) == before


def test_lone_surrogates_in_key_names_are_422(admin, keys):
    body = '{"name": "bot-\\ud800", "scope": "read"}'
    response = admin.post("/v1/keys", data=body, content_type="application/json")
    assert_safe(response, keys["admin"])
    assert response.status_code == 422
    assert admin.get("/v1/keys/bot-%ED%A0%80").status_code == 404


def test_a_chunked_body_over_the_limit_is_413(database_url, engine):
    """Without a Content-Length the limit is found while reading: still 413, not a 400."""
    server = Serving(environment(DATABASE_URL=database_url, ONRECORD_MAX_BODY_BYTES="100000"))
    claim = ('{"text": "' + "x" * 200_000 + '"}').encode()
    try:
        chunked = requests.post(
            server.base + "/v1/verify",
            data=(claim[n : n + 8192] for n in range(0, len(claim), 8192)),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        small = requests.post(server.base + "/v1/verify", data=iter([b'{"text": "x"}']), timeout=30)
    finally:
        server.stop()
    assert chunked.status_code == 413, chunked.text
    assert chunked.headers["Content-Type"] == "application/problem+json"
    assert small.status_code in (200, 415)
