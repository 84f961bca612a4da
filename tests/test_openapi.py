"""The committed spec is the code's spec, valid OpenAPI 3.1, served with offline docs."""

import re
from http import HTTPStatus

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

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
