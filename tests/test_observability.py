"""Request ids and the per-request JSON log line."""

import json
import logging

import pytest


@pytest.fixture
def log_lines():
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
            assert record.getMessage().isascii()  # a request's text is escaped: \\u202e, not U+202E
            lines.append(json.loads(record.getMessage()))

    handler = Collect()
    logger = logging.getLogger("onrecord.requests")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_every_response_carries_a_request_id_and_one_log_line(client, log_lines, keys):
    response = client.post("/v1/speakers", json={"name": "Logged"})
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [line] = log_lines
    assert line["request_id"] == request_id
    assert (line["method"], line["route"], line["status"]) == ("POST", "/v1/speakers", 201)
    assert line["key"].startswith("tests-write-") and line["duration_ms"] >= 0
    text = json.dumps(line)
    assert keys["write"] not in text and "Logged" not in text  # no secrets, no bodies


def test_a_client_request_id_is_kept_if_sane(client, log_lines):
    assert (
        client.get("/health", headers={"X-Request-ID": "newsroom-42"}).headers["X-Request-ID"]
        == "newsroom-42"
    )
    odd = client.get("/health", headers={"X-Request-ID": "bad id; <script>"}).headers["X-Request-ID"]
    assert odd != "bad id; <script>" and len(odd) == 32


def test_a_path_cannot_put_control_characters_in_the_log(client, log_lines):
    client.get("/v1/x%E2%80%AEgnp.exe")  # a right-to-left override
    client.get("/v1/%C2%9B31m")  # a terminal's control sequence introducer
    assert [line["path"] for line in log_lines] == ["/v1/x\u202egnp.exe", "/v1/\u009b31m"]
