"""Rate limits: 429 problem+json with Retry-After, per key or address, shared through Redis."""

import base64
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from service import pages
from service.app import create_app
from service.config import Settings

REDIS = ("127.0.0.1", 6379)


def limited_app(database_url: str, **settings):
    return create_app(Settings(**{"rate_limit": "3 per minute"} | settings), database_url=database_url)


def bearer() -> dict:
    return {"Authorization": f"Bearer onr_{uuid.uuid4().hex}"}  # a fresh bucket each time


def test_over_the_limit_is_429_with_retry_after(database_url, engine):
    client = limited_app(database_url).test_client()
    statuses = [client.get("/v1/quotes").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/v1/quotes")
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_health_and_docs_are_never_limited(database_url, engine):
    client = limited_app(database_url).test_client()
    assert {client.get("/health").status_code for _ in range(6)} == {200}


def test_each_key_has_its_own_limit(database_url, engine, keys):
    client = limited_app(database_url).test_client()
    first, second = (f"Bearer {keys[scope]}" for scope in ("read", "write"))
    statuses = [client.get("/v1/quotes", headers={"Authorization": first}).status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert client.get("/v1/quotes", headers={"Authorization": second}).status_code == 200


def test_in_memory_counting_starts_no_thread_per_request(database_url, engine):
    """limits' in-memory storage would start a Timer thread after most requests."""
    client = create_app(Settings(rate_limit="100 per second"), database_url=database_url).test_client()
    client.get("/v1/quotes")
    time.sleep(0.1)  # the storage starts one Timer (10 ms) when it is made
    for _ in range(5):
        assert client.get("/v1/quotes").status_code == 200
        assert not [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer)]


def test_expired_in_memory_counters_are_dropped(database_url, engine):
    app = create_app(Settings(rate_limit="100 per second"), database_url=database_url)
    (limiter,) = app.extensions["limiter"]
    app.test_client().get("/v1/quotes")
    assert limiter.storage.expirations
    deadline = time.monotonic() + 5  # the 1 s window, then the next sweep
    while limiter.storage.expirations and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not limiter.storage.expirations


def _redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_is_up(), reason="no Redis at 127.0.0.1:6379")
def test_instances_share_limits_through_redis(database_url, engine):
    storage = {"rate_limit_storage": f"redis://{REDIS[0]}:{REDIS[1]}", "auth_failure_limit": "3 per minute"}
    one, two = (limited_app(database_url, **storage).test_client() for _ in range(2))
    one.environ_base["REMOTE_ADDR"] = two.environ_base["REMOTE_ADDR"] = f"198.51.100.{uuid.uuid4().int % 250}"
    assert [one.get("/v1/quotes", headers=bearer()).status_code for _ in range(3)] == [401, 401, 401]
    assert two.get("/v1/quotes", headers=bearer()).status_code == 429  # the other instance counted them


def test_rate_limit_headers_only_on_429(database_url, engine):
    client = limited_app(database_url).test_client()
    ok = client.get("/v1/quotes")
    assert ok.status_code == 200
    assert not [name for name in ok.headers.keys() if name.startswith("X-RateLimit") or name == "Retry-After"]
    for _ in range(3):
        over = client.get("/v1/quotes")
    assert over.status_code == 429
    assert over.headers["X-RateLimit-Limit"] == "3" and over.headers["X-RateLimit-Remaining"] == "0"
    assert int(over.headers["Retry-After"]) > 0


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "Bearer "])
def test_one_key_has_one_budget_however_bearer_is_spelled(database_url, engine, keys, scheme):
    client = limited_app(database_url).test_client()
    spellings = ["Bearer", "bearer", "BEARER", "Bearer "]
    statuses = [
        client.get("/v1/quotes", headers={"Authorization": f"{spelling} {keys['read']}"}).status_code
        for spelling in spellings
    ]
    assert statuses == [200, 200, 200, 429]
    again = client.get("/v1/quotes", headers={"Authorization": f"{scheme} {keys['read']}"})
    assert again.status_code == 429


@pytest.mark.parametrize(
    "credentials",
    [
        lambda: f"Bearer onr_{uuid.uuid4().hex}",
        lambda: "Basic " + base64.b64encode(f"{uuid.uuid4().hex}:x".encode()).decode(),
        lambda: uuid.uuid4().hex,
    ],
    ids=["random-bearer", "random-basic", "garbage"],
)
def test_random_credentials_meet_429(database_url, engine, credentials):
    client = limited_app(
        database_url, rate_limit="1000 per minute", auth_failure_limit="5 per minute"
    ).test_client()
    statuses = [
        client.get("/v1/quotes", headers={"Authorization": credentials()}).status_code for _ in range(7)
    ]
    assert statuses[-1] == 429 and statuses.count(429) == 2
    response = client.get("/v1/quotes", headers={"Authorization": credentials()})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.mimetype == "application/problem+json"
    assert client.get("/v1/quotes").status_code == 200  # anonymous reads keep their own budget


def test_failed_attempts_from_one_address_leave_another_alone(database_url, engine, keys):
    client = limited_app(
        database_url, rate_limit="1000 per minute", auth_failure_limit="2 per minute"
    ).test_client()
    for _ in range(3):
        client.get("/v1/quotes", headers=bearer())
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert client.get("/v1/quotes", headers={"Authorization": f"Bearer {keys['read']}"}).status_code == 200


def test_pages_have_the_api_limit_but_not_their_static_files(database_url, engine):
    client = limited_app(database_url).test_client()
    assert [client.get("/verify").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get("/v1/quotes").status_code == 200  # each endpoint counts on its own
    static = sorted((Path(pages.__file__).parent / "static").iterdir())[0].name
    assert {client.get(f"/static/pages/{static}").status_code for _ in range(5)} == {200}
