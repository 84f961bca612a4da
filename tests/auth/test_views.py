"""/v1/keys through HTTP: key management with an admin key."""

import pytest


def as_key(secret: str | None) -> dict:
    return {"Authorization": f"Bearer {secret}" if secret else ""}


@pytest.fixture
def admin(client, keys):
    """The test client, acting with an admin key."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys['admin']}"
    return client


def test_a_key_created_over_http_works_once_and_stops_when_revoked(admin):
    response = admin.post("/v1/keys", json={"name": "desk bot ü", "scope": "write"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["scopes"] == ["read", "write"] and created["revoked_at"] is None
    assert created["secret"].startswith("onr_") and len(created["secret"]) > 40
    assert response.headers["Location"] == "/v1/keys/desk%20bot%20%C3%BC"
    as_new_key = as_key(created["secret"])
    assert admin.post("/v1/speakers", json={"name": "By the desk bot"}, headers=as_new_key).status_code == 201

    shown = admin.get(response.headers["Location"]).get_json()
    assert shown == {k: created[k] for k in ("name", "scopes", "created_at", "revoked_at")}
    listed = admin.get("/v1/keys", query_string={"limit": 500}).get_json()["items"]
    assert created["name"] in [k["name"] for k in listed]
    assert created["secret"] not in str(listed)

    revoked = admin.delete(response.headers["Location"])
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert admin.post("/v1/speakers", json={"name": "Too late"}, headers=as_new_key).status_code == 401
    assert admin.delete(response.headers["Location"]).get_json() == revoked.get_json()


@pytest.mark.parametrize("scope", ["read", "write", None])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/keys"),
        ("head", "/v1/keys"),
        ("post", "/v1/keys"),
        ("get", "/v1/keys/x"),
        ("head", "/v1/keys/x"),  # else a HEAD would tell which key names exist
        ("delete", "/v1/keys/x"),
    ],
)
def test_key_management_needs_the_admin_scope(client, keys, scope, method, path):
    response = getattr(client, method)(path, json={"name": "sneaky"}, headers=as_key(keys.get(scope)))
    assert response.status_code == (401 if scope is None else 403)
    assert response.mimetype == "application/problem+json"


def test_names_are_unique(admin):
    assert admin.post("/v1/keys", json={"name": "twice"}).status_code == 201
    assert admin.post("/v1/keys", json={"name": "twice"}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "a/b"},
        {"name": "tab\there"},
        {"name": "x" * 101},
        {"name": "ok", "scope": "root"},
    ],
)
def test_a_bad_name_or_scope_is_refused(admin, body):
    response = admin.post("/v1/keys", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) <= {"name", "scope"}


@pytest.mark.parametrize("name", ["nobody", "a%00", "%E2%80%AE"])
def test_an_unknown_key_is_404(admin, name):
    assert admin.get(f"/v1/keys/{name}").status_code == 404
    assert admin.delete(f"/v1/keys/{name}").status_code == 404
