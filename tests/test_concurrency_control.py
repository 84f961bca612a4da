"""Optimistic concurrency: ETag on reads, If-Match on changes (RFC 9110)."""

import pytest

from tests.quotes.test_views import QUOTE, post


@pytest.fixture
def quote(client):
    return post(client, QUOTE | {"text": "Two editors, one quote."})


def test_reads_send_an_etag_and_answer_304_when_unchanged(client, quote):
    path = f"/v1/quotes/{quote['id']}"
    etag = client.get(path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    client.patch(path, json={"context": "changed"}, headers={"If-Match": etag})
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    "method,suffix,body",
    [("patch", "", {"json": {"context": "mine"}}), ("delete", "?note=Wrong.", {})],
)
def test_changes_without_if_match_are_428(client, quote, method, suffix, body):
    response = getattr(client, method)(f"/v1/quotes/{quote['id']}{suffix}", **body)
    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"


def test_the_second_of_two_editors_gets_412_and_nothing_is_overwritten(client, quote):
    path = f"/v1/quotes/{quote['id']}"
    etag = client.get(path).headers["ETag"]
    first = client.patch(path, json={"context": "editor one"}, headers={"If-Match": etag})
    second = client.patch(path, json={"context": "editor two"}, headers={"If-Match": etag})
    assert (first.status_code, second.status_code) == (200, 412)
    assert client.get(path).get_json()["context"] == "editor one"
    assert client.delete(f"{path}?note=x", headers={"If-Match": etag}).status_code == 412


@pytest.mark.parametrize("path", ["/v1/speakers", "/v1/sources"])
def test_speakers_and_sources_too(client, path):
    record = client.post(path, json={"name": "Etag"} if "speakers" in path else {"title": "Etag"}).get_json()
    item = f"{path}/{record['id']}"
    etag = client.get(item).headers["ETag"]
    assert (
        client.patch(item, json={"kind": "group"} if "speakers" in path else {"kind": "tweet"}).status_code
        == 428
    )
    changes = {"kind": "group"} if "speakers" in path else {"kind": "tweet"}
    assert client.patch(item, json=changes, headers={"If-Match": etag}).status_code == 200
    assert client.patch(item, json=changes, headers={"If-Match": etag}).status_code == 412
