"""One error shape for every endpoint: RFC 9457 problem+json, never a stack trace."""

import pytest

from service.app import create_app

QUOTE = {
    "text": "x",
    "lang": "en",
    "kind": "direct",
    "speaker_description": "an official",
    "source": {"title": "A title"},
}

ERRORS = [
    ("get", "/v1/quotes/999999999", {}, 404),
    ("get", "/v1/speakers/999999999", {}, 404),
    ("get", "/v1/sources/999999999", {}, 404),
    ("get", "/v1/quotes/99999999999999999999999", {}, 404),
    ("get", "/v1/quotes/abc", {}, 404),
    ("get", "/v1/nothing-here", {}, 404),
    ("put", "/v1/quotes", {"json": QUOTE}, 405),
    ("post", "/v1/quotes", {"data": "{not json", "content_type": "application/json"}, 400),
    ("post", "/v1/quotes", {"data": "text=x", "content_type": "application/x-www-form-urlencoded"}, 415),
    ("post", "/v1/speakers", {"data": "name", "content_type": "text/plain"}, 415),
    ("post", "/v1/quotes", {"json": QUOTE | {"lang": "not a language"}}, 422),
    ("post", "/v1/speakers", {"json": {"name": ""}}, 422),
    ("post", "/v1/quotes", {"json": QUOTE | {"text": "nul\x00byte"}}, 422),
    ("post", "/v1/sources", {"json": {"title": "\x00"}}, 422),
    ("get", "/v1/quotes?limit=0", {}, 400),
    ("get", "/v1/quotes?limit=501", {}, 400),
    ("get", "/v1/speakers?limit=-1", {}, 400),
    ("get", "/v1/sources?limit=abc", {}, 400),
    ("get", "/v1/quotes?said_from=yesterday", {}, 400),
    ("get", "/v1/verify?text=", {}, 422),
    ("post", "/v1/quotes", {"json": QUOTE | {"context": "x" * 2_000_000}}, 413),
]


@pytest.mark.parametrize("method,path,kwargs,status", ERRORS)
def test_errors_are_problem_json(client, method, path, kwargs, status):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"] == "about:blank"
    assert "Traceback" not in response.get_data(as_text=True)


def test_validation_errors_name_each_field(client):
    response = client.post("/v1/quotes", json=QUOTE | {"lang": "english", "kind": "rumour"})
    errors = response.get_json()["errors"]
    assert set(errors) == {"lang", "kind"}
    assert "BCP 47" in errors["lang"][0]


def test_unknown_fields_are_rejected_by_name(client):
    response = client.post("/v1/quotes", json=QUOTE | {"speeker": "typo"})
    assert response.status_code == 422
    assert "speeker" in response.get_json()["errors"]


def test_wrong_content_type_says_what_to_send(client):
    response = client.post("/v1/quotes", data="x", content_type="text/csv")
    assert "application/json" in response.get_json()["detail"]


def test_unexpected_errors_hide_internals(database_url):
    app = create_app(database_url=database_url)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "hunter2" not in body and "RuntimeError" not in body
