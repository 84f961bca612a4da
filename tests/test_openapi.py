"""The committed spec is the code's spec, valid OpenAPI 3.1, served with offline docs."""

import re
from http import HTTPStatus

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from service.spec import BEARER_SCHEME, OPERATION_IDS
from service.system import spec_yaml
from tests.conftest import ROOT

COMMITTED = (ROOT / "openapi.yaml").read_text()


def test_committed_spec_matches_code(app):
    assert spec_yaml(app) == COMMITTED, (
        "openapi.yaml is stale: run `onrecord openapi write --format=yaml openapi.yaml`"
    )


def test_spec_is_valid_openapi_3_1():
    spec = yaml.safe_load(COMMITTED)
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_spec_has_no_openapi_3_0_idioms():
    assert "nullable" not in COMMITTED


def test_spec_is_served(client):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == COMMITTED


def test_docs_page_works_offline(client):
    page = client.get("/docs/")
    assert page.status_code == 200
    scripts = re.findall(r'src="([^"]+)"', page.get_data(as_text=True))
    assert scripts and all(src.startswith("/docs/") for src in scripts)
    for src in scripts:
        asset = client.get(src)
        assert asset.status_code == 200 and len(asset.data) > 1000


def test_every_error_is_documented_as_problem_json():
    spec = yaml.safe_load(COMMITTED)
    for name, response in spec["components"]["responses"].items():
        if name == "DEFAULT_ERROR" or HTTPStatus[name] >= 400:
            assert list(response["content"]) == ["application/problem+json"], name
        else:
            assert "content" not in response, name  # 304 has no body


def operations(spec: dict):
    """(method, path, operation) for every operation of the spec."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_every_operation_has_a_unique_readable_name():
    spec = yaml.safe_load(COMMITTED)
    named = {(method, path): operation.get("operationId") for method, path, operation in operations(spec)}
    assert all(name and re.fullmatch(r"[a-z]+[A-Za-z]*", name) for name in named.values()), named
    assert len(set(named.values())) == len(named)
    assert {key: OPERATION_IDS.get(key) for key in named} == named, "name new operations in OPERATION_IDS"


def test_writes_need_a_bearer_key_and_reads_may_send_one():
    spec = yaml.safe_load(COMMITTED)
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": BEARER_SCHEME["description"],
    }
    security = {(method, path): operation["security"] for method, path, operation in operations(spec)}
    assert security[("get", "/health")] == []
    assert security[("get", "/v1/quotes")] == security[("post", "/v1/verify")] == [{}, {"bearer": []}]
    assert security[("post", "/v1/quotes")] == security[("post", "/v1/keys")] == [{"bearer": []}]
    assert all(requirement for key, requirement in security.items() if key[1].startswith("/v1/"))


def test_patch_schemas_declare_no_defaults():
    """A generated client sends every default: one on a PATCH field overwrites what the
    caller left out (SpeakerPatch.kind turned organisations into people)."""
    schemas = yaml.safe_load(COMMITTED)["components"]["schemas"]
    patches = {name: schema for name, schema in schemas.items() if name.endswith("Patch")}
    assert set(patches) >= {"QuotePatch", "SpeakerPatch", "SourcePatch"}
    for name, schema in patches.items():
        assert not [field for field, prop in schema["properties"].items() if "default" in prop], name


def test_urls_are_json_schema_uris():
    assert "format: url" not in COMMITTED
    assert (
        yaml.safe_load(COMMITTED)["components"]["schemas"]["SourceIn"]["properties"]["url"]["format"] == "uri"
    )


def test_headers_the_api_uses_are_declared():
    spec = yaml.safe_load(COMMITTED)
    ops = {(method, path): operation for method, path, operation in operations(spec)}

    def headers(method, path, status):
        return set(ops[(method, path)]["responses"][status].get("headers", {}))

    assert {"ETag", "Location", "X-Position"} <= headers("post", "/v1/quotes", "201")
    assert {"ETag", "Location"} <= headers("post", "/v1/speakers", "201")
    assert "Link" in headers("get", "/v1/quotes", "200")
    assert "ETag" in headers("get", "/v1/quotes/{quote_id}", "200")
    responses = spec["components"]["responses"]
    assert set(responses["TOO_MANY_REQUESTS"]["headers"]) == {
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    }
    assert set(responses["SERVICE_UNAVAILABLE"]["headers"]) == {"Retry-After"}
    assert ops[("get", "/v1/quotes")]["responses"]["429"] == {
        "$ref": "#/components/responses/TOO_MANY_REQUESTS"
    }

    def parameters(method, path):
        return {
            spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
            if "$ref" in p
            else p["name"]
            for p in ops[(method, path)].get("parameters", [])
        }

    assert {"If-None-Match", "X-Min-Position"} <= parameters("get", "/v1/quotes/{quote_id}")
    assert "If-Match" in parameters("patch", "/v1/speakers/{speaker_id}")
    assert "Idempotency-Key" in parameters("post", "/v1/imports")


@pytest.mark.parametrize(
    "path,body",
    [
        ("/v1/speakers", {"name": "Ada Etag"}),
        ("/v1/sources", {"url": "https://example.org/etag"}),
        (
            "/v1/quotes",
            {"text": "Tagged at birth.", "lang": "en", "kind": "direct", "speaker_description": "a"},
        ),
    ],
)
def test_a_created_record_carries_its_etag(client, path, body):
    if path == "/v1/quotes":
        body |= {"source": {"url": "https://example.org/etag-quote"}}
    created = client.post(path, json=body)
    assert created.status_code == 201
    etag = created.headers["ETag"]
    assert client.get(created.headers["Location"]).headers["ETag"] == etag
    changed = client.patch(created.headers["Location"], json={}, headers={"If-Match": etag})
    assert changed.status_code == 200
