"""API keys and scopes, through HTTP."""

import pytest

from service.app import create_app
from service.auth.access import required_scope
from service.config import Settings
from tests.quotes.test_views import QUOTE

WRITES = [
    ("post", "/v1/quotes", {"json": QUOTE}),
    ("post", "/v1/speakers", {"json": {"name": "Auth Test"}}),
    ("post", "/v1/sources", {"json": {"title": "Auth Test"}}),
    ("patch", "/v1/quotes/1", {"json": {"context": "x"}}),
    ("delete", "/v1/quotes/1", {}),
    ("post", "/v1/imports", {"data": b"", "content_type": "application/x-ndjson"}),
]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("method,path,kwargs", WRITES)
def test_writes_without_a_key_are_401_with_a_challenge(client, method, path, kwargs):
    response = getattr(client, method)(path, headers={"Authorization": ""}, **kwargs)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="OnRecord"'
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("method,path,kwargs", WRITES)
def test_writes_with_a_read_key_are_403(client, keys, method, path, kwargs):
    response = getattr(client, method)(path, headers=bearer(keys["read"]), **kwargs)
    assert response.status_code == 403
    assert "write" in response.get_json()["detail"]


@pytest.mark.parametrize("secret", ["onr_not-a-real-key", "", "x" * 500])
def test_unknown_keys_are_401(client, secret):
    response = client.post("/v1/speakers", json={"name": "X"}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_a_write_key_writes_and_an_admin_key_too(client, keys):
    assert (
        client.post("/v1/speakers", json={"name": "Writer"}, headers=bearer(keys["write"])).status_code == 201
    )
    assert (
        client.post("/v1/speakers", json={"name": "Admin"}, headers=bearer(keys["admin"])).status_code == 201
    )


def test_the_scheme_must_be_bearer(client, keys):
    response = client.post(
        "/v1/speakers", json={"name": "X"}, headers={"Authorization": f"Basic {keys['write']}"}
    )
    assert response.status_code == 401


def test_reads_are_open_by_default(client):
    assert client.get("/v1/quotes", headers={"Authorization": ""}).status_code == 200
    assert client.get("/health", headers={"Authorization": ""}).status_code == 200


def test_verify_by_post_only_needs_read(client, keys):
    response = client.post("/v1/verify", json={"text": "I hope"}, headers=bearer(keys["read"]))
    assert response.status_code == 200


def test_reads_can_be_closed(database_url, keys, monkeypatch):
    monkeypatch.setenv("ONRECORD_PUBLIC_READS", "false")
    app = create_app(Settings(), database_url=database_url)
    try:
        closed = app.test_client()
        assert closed.get("/v1/quotes").status_code == 401
        assert closed.get("/v1/quotes", headers=bearer(keys["read"])).status_code == 200
        assert closed.get("/health").status_code == 200  # liveness stays open
        assert closed.get("/metrics").status_code == 401  # the metrics are a read too
        assert closed.get("/metrics", headers=bearer(keys["read"])).status_code == 200
    finally:
        app.extensions["db"].engine.dispose()


def test_every_head_needs_the_scope_of_its_get(client):
    app = client.application
    routes = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]
    assert any(rule.rule == "/v1/keys" for rule in routes)
    for rule in routes:
        view = app.view_functions[rule.endpoint]
        assert required_scope(view, "HEAD") == required_scope(view, "GET"), rule.rule
