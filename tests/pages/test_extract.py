"""/extract through HTTP: the proposals are the API's, each marked in place in the
article; the import takes only ticked quotes, as edited, with a write key and a CSRF token."""

import html
import json
import re

import pytest

from tests.extract.conftest import SEEDS

SEED = (SEEDS / "000_9c77d9f54dba03b2.txt").read_text(encoding="utf-8")


def csrf_token(client) -> str:
    page = client.get("/extract").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def review_form(page: str) -> dict[str, str]:
    """The fields of the review form as the browser would send them untouched."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
    }
    for name, value in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        fields[name] = html.unescape(value)
    for name, value in re.findall(r'<input id="[^"]+" name="(speaker-\d+)"[^>]*value="([^"]*)"', page):
        fields[name] = html.unescape(value)
    for name in re.findall(r'name="(kind-\d+)"', page):
        fields[name] = re.search(rf'name="{name}">.*?<option value="(\w+)" selected', page, re.S).group(1)
    for name in re.findall(r'<input type="checkbox" name="((?:use|unnamed)-\d+)" value="1" checked', page):
        fields[name] = "1"
    return fields


@pytest.fixture
def proposed(client):
    response = client.post(
        "/extract", data={"article": SEED, "format": "text", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)


def test_extract_page_proposes_what_the_api_proposes(client, proposed):
    api = client.post("/v1/extract", data=SEED.encode(), content_type="text/plain").get_json()
    assert len(api) > 2
    shown = [json.loads(hidden(proposed, f"record-{n}")) for n in range(1, len(api) + 1)]
    assert shown == api
    assert f'name="record-{len(api) + 1}"' not in proposed


def test_extract_page_marks_each_proposal_in_the_article(client, proposed):
    api = client.post("/v1/extract", data=SEED.encode(), content_type="text/plain").get_json()
    for number, proposal in enumerate(api, start=1):
        start, end = proposal["extraction"]["start"], proposal["extraction"]["end"]
        marked = re.search(
            rf'<mark id="quote-{number}"><span class="tag">\[{number}\]</span> (.*?)</mark>', proposed, re.S
        )
        assert html.unescape(marked.group(1)) == SEED[start:end]


def number_of(form: dict, words: str) -> int:
    """The number of the proposal whose text holds `words`."""
    return next(
        int(name.split("-")[1]) for name, text in form.items() if name.startswith("text-") and words in text
    )


def test_extract_imports_only_the_ticked_quotes_as_edited(client, proposed, keys):
    form = review_form(proposed)
    kept = (number_of(form, "I hope the talks"), number_of(form, "Russia intends"))
    for name in [name for name in form if name.startswith("use-") and int(name[4:]) not in kept]:
        del form[name]
    edited = kept[1]
    form[f"text-{edited}"] = form[f"text-{edited}"].replace("Russia intends", "Russia wants")
    form[f"speaker-{edited}"] = "Yury Ushakov"
    response = client.post("/extract/import", data=form | {"key": keys["write"]})
    done = response.get_data(as_text=True)
    assert response.status_code == 200, done[:3000]
    ids = [int(i) for i in re.findall(r'<a href="/quotes/(\d+)">quote', done)]
    stored = [client.get(f"/v1/quotes/{i}").get_json() for i in ids]
    assert len(stored) == 2 and any(q["text"].startswith("I hope the talks") for q in stored)
    changed = next(q for q in stored if q["text"].startswith("Russia wants"))
    assert changed["speaker"]["name"] == "Yuri Ushakov"
    history = client.get(f"/v1/quotes/{changed['id']}/history").get_json()["items"]
    assert history[-1]["actor"].startswith("tests-write")


def test_extract_import_needs_a_write_key(client, proposed, keys):
    form = review_form(proposed)
    before = client.get("/v1/quotes", query_string={"limit": 500}).get_json()["items"]
    for key, message in (
        (keys["read"], "does not have the write scope"),
        ("nope", "unknown or revoked"),
        ("", "Enter a write key"),
    ):
        response = client.post("/extract/import", data=form | {"key": key})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert client.get("/v1/quotes", query_string={"limit": 500}).get_json()["items"] == before


@pytest.mark.parametrize("path", ["/extract", "/extract/import"])
def test_extract_forms_refuse_a_post_without_their_csrf_token(client, path):
    response = client.post(path, data={"article": SEED, "key": "x"})
    assert response.status_code == 400 and "CSRF token is missing" in response.get_data(as_text=True)


def test_extract_page_explains_an_empty_article(client):
    response = client.post("/extract", data={"article": "   ", "csrf_token": csrf_token(client)})
    assert response.status_code == 422 and 'id="article-error"' in response.get_data(as_text=True)
