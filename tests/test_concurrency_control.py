"""Optimistic concurrency: ETag on reads, If-Match on changes (RFC 9110)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import new_key
from tests.quotes.conftest import empty_database, fresh_database
from tests.quotes.test_views import QUOTE, post
from tests.test_cli import Serving, environment

__all__ = ["empty_database", "fresh_database"]
RACERS = 8
RACES = 20


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


# What each race creates, and the change every racer sends with the same If-Match.
RACES_ON = {
    "quote patch": ("/v1/quotes", QUOTE, "patch", "", {"context": "racer"}),
    "quote delete": ("/v1/quotes", QUOTE, "delete", "?note=Racing.", None),
    "speaker patch": ("/v1/speakers", {"name": "Racer"}, "patch", "", {"kind": "group"}),
    "source patch": ("/v1/sources", {"title": "Racer"}, "patch", "", {"kind": "tweet"}),
}


@pytest.mark.parametrize("race", RACES_ON)
def test_of_eight_concurrent_changes_with_one_etag_one_wins_and_the_others_get_412(fresh_database, race):
    """Through a live server with 2 workers, 20 times: eight clients send the same
    change with the same `If-Match` at once. One wins; the others are told the record
    moved on (412), never a 500."""
    path, body, method, suffix, change = RACES_ON[race]
    headers = {"Authorization": f"Bearer {new_key(fresh_database)}"}
    server = Serving(environment(DATABASE_URL=fresh_database, ONRECORD_WORKERS="2"))
    start = threading.Barrier(RACERS)

    def change_it(item: str, etag: str) -> int:
        start.wait(timeout=30)
        answer = requests.request(
            method, item + suffix, json=change, headers=headers | {"If-Match": etag}, timeout=30
        )
        return answer.status_code

    try:
        with ThreadPoolExecutor(RACERS) as pool:
            for race_ in range(RACES):
                created = requests.post(
                    server.base + path, json=_unique(body, race_), headers=headers, timeout=30
                )
                assert created.status_code == 201, created.text
                item = f"{server.base}{path}/{created.json()['id']}"
                etag = requests.get(item, timeout=30).headers["ETag"]
                statuses = sorted(pool.map(change_it, [item] * RACERS, [etag] * RACERS))
                assert statuses == [200] + [412] * (RACERS - 1), f"race {race_}: {statuses}"
    finally:
        server.stop()


def _unique(body: dict, race: int) -> dict:
    """A new record's body, different in every race."""
    key = "text" if "text" in body else "name" if "name" in body else "title"
    return body | {key: f"{body[key]} {race}"}
