"""POST /v1/speakers/{id}/merge through HTTP."""

import pytest

from tests.history.test_views import history
from tests.quotes.test_views import QUOTE, post

PUTIN = {"name": "Vladimir Putin", "aliases": ["Путин"], "roles": [{"title": "President of Russia"}]}
DUPLICATE = {"name": "V. Putin (duplicate)", "aliases": ["Putin V."], "wikidata_id": "Q99999977"}


def speaker(client, body) -> dict:
    response = client.post("/v1/speakers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def quote_by(client, speaker_id: int, text: str, source: str) -> dict:
    body = QUOTE | {"text": text, "speaker_id": speaker_id, "citations": [{"source": {"title": source}}]}
    del body["speaker"]
    return post(client, body)


def merge(client, speaker_id: int, into: int, status: int = 200) -> dict:
    response = client.post(f"/v1/speakers/{speaker_id}/merge", json={"into": into})
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def pair(client):
    """Two records of one person, each on record with a statement of its own and a shared one."""
    survivor, duplicate = speaker(client, PUTIN | {"name": "Putin (merge test)"}), speaker(client, DUPLICATE)
    quotes = {
        "survivor's": quote_by(client, survivor["id"], "Only the survivor said this.", "Kommersant"),
        "shared, kept": quote_by(client, survivor["id"], "Both said this.", "TASS"),
        "shared, folded": quote_by(client, duplicate["id"], "Both said this.", "Reuters"),
        "moved": quote_by(client, duplicate["id"], "Only the duplicate said this.", "RIA"),
    }
    return survivor, duplicate, quotes


def test_quotes_names_and_roles_move_to_the_survivor(client, pair):
    survivor, duplicate, quotes = pair
    merged = merge(client, duplicate["id"], survivor["id"])
    assert merged["id"] == survivor["id"] and merged["name"] == "Putin (merge test)"
    assert merged["aliases"] == ["Путин", "V. Putin (duplicate)", "Putin V."]
    assert merged["roles"] == [
        {"title": "President of Russia", "organisation": None, "from": None, "to": None}
    ]
    assert merged["wikidata_id"] == "Q99999977" and merged["version"] == survivor["version"] + 1
    moved = client.get(f"/v1/quotes/{quotes['moved']['id']}").get_json()
    assert moved["speaker"]["id"] == survivor["id"]
    for speaker_id in (survivor["id"], duplicate["id"]):  # a saved filter on the old id still works
        listed = client.get("/v1/quotes", query_string={"speaker": speaker_id, "limit": 10}).get_json()
        assert sorted(q["text"] for q in listed["items"]) == [
            "Both said this.",
            "Only the duplicate said this.",
            "Only the survivor said this.",
        ]


def test_a_statement_both_made_becomes_one_quote_with_every_citation(client, pair):
    survivor, duplicate, quotes = pair
    merge(client, duplicate["id"], survivor["id"])
    kept = client.get(f"/v1/quotes/{quotes['shared, kept']['id']}").get_json()
    assert [c["source"]["title"] for c in kept["citations"]] == ["TASS", "Reuters"]
    assert kept["translations"] == quotes["shared, kept"]["translations"]
    folded = client.get(f"/v1/quotes/{quotes['shared, folded']['id']}")
    assert folded.status_code == 308
    assert folded.headers["Location"] == f"/v1/quotes/{kept['id']}"


def test_the_merged_id_answers_308_to_the_survivor(client, pair):
    survivor, duplicate, _ = pair
    merge(client, duplicate["id"], survivor["id"])
    for suffix in ("", "/history"):
        response = client.get(f"/v1/speakers/{duplicate['id']}{suffix}", query_string={"limit": 5})
        assert response.status_code == 308
        assert response.headers["Location"] == f"/v1/speakers/{survivor['id']}{suffix}?limit=5"
        assert response.mimetype == "application/problem+json"
    found = client.get("/v1/speakers", query_string={"q": "Putin V."}).get_json()["items"]
    assert [s["id"] for s in found] == [survivor["id"]]


def test_both_histories_record_the_merge_with_the_key(client, pair):
    survivor, duplicate, quotes = pair
    merge(client, duplicate["id"], survivor["id"])
    entries = history(client, f"/v1/speakers/{survivor['id']}")
    assert [(e["record_id"], e["action"]) for e in entries] == [
        (survivor["id"], "create"),
        (duplicate["id"], "create"),
        (duplicate["id"], "merge"),
        (survivor["id"], "merge"),
    ]
    assert all(e["actor"].startswith("tests-write-") for e in entries)
    assert entries[2]["changes"] == {"merged_into": {"before": None, "after": survivor["id"]}}
    survivor_change = entries[3]["changes"]
    assert survivor_change["merged_speaker"]["after"]["id"] == duplicate["id"]
    assert survivor_change["wikidata_id"] == {"before": None, "after": "Q99999977"}
    moved = history(client, f"/v1/quotes/{quotes['moved']['id']}")
    assert moved[-1]["action"] == "merge"
    assert moved[-1]["changes"] == {"speaker_id": {"before": duplicate["id"], "after": survivor["id"]}}


def test_a_merge_repeated_answers_with_the_survivor(client, pair):
    survivor, duplicate, _ = pair
    first = merge(client, duplicate["id"], survivor["id"])
    assert merge(client, duplicate["id"], survivor["id"]) == first


def test_merged_into_a_merged_speaker_forwards_to_the_last_survivor(client, pair):
    survivor, duplicate, _ = pair
    third = speaker(client, {"name": "Putin (third record)"})
    merge(client, duplicate["id"], survivor["id"])
    merge(client, survivor["id"], third["id"])
    response = client.get(f"/v1/speakers/{duplicate['id']}")
    assert response.headers["Location"] == f"/v1/speakers/{third['id']}"
    refused = merge(client, third["id"], duplicate["id"], status=422)
    assert refused["errors"]["into"] == [
        f"Speaker {duplicate['id']} was merged into speaker {third['id']}: use {third['id']}."
    ]


@pytest.mark.parametrize("into", ["self", 9_000_000_000, 0, -1, 2**63, "one", "1", 1.5, None])
def test_a_merge_with_a_bad_target_changes_nothing(client, pair, into):
    survivor, duplicate, quotes = pair
    target = duplicate["id"] if into == "self" else into
    response = client.post(f"/v1/speakers/{duplicate['id']}/merge", json={"into": target})
    assert response.status_code == 422 and "into" in response.get_json()["errors"]
    assert client.get(f"/v1/speakers/{duplicate['id']}").get_json() == duplicate
    assert [e["action"] for e in history(client, f"/v1/speakers/{duplicate['id']}")] == ["create"]


def test_a_quote_posted_for_the_merged_id_goes_to_the_survivor(client, pair):
    survivor, duplicate, _ = pair
    merge(client, duplicate["id"], survivor["id"])
    quote = quote_by(client, duplicate["id"], "Said after the merge.", "Interfax")
    assert quote["speaker"]["id"] == survivor["id"]


@pytest.mark.parametrize(("scope", "status"), [("read", 403), (None, 401)])
def test_merging_needs_a_write_key(client, keys, pair, scope, status):
    survivor, duplicate, _ = pair
    headers = {"Authorization": f"Bearer {keys[scope]}" if scope else ""}
    response = client.post(
        f"/v1/speakers/{duplicate['id']}/merge", json={"into": survivor["id"]}, headers=headers
    )
    assert response.status_code == status
    assert client.get(f"/v1/speakers/{duplicate['id']}").status_code == 200
