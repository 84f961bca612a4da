"""Request ids and the per-request JSON log line."""

import json
import logging

import pytest


@pytest.fixture
def log_lines():
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record):
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
