"""GET /v1/{quotes,speakers,sources}/{id}/history through HTTP."""

from tests.quotes.test_views import QUOTE, post


def history(client, path: str) -> list[dict]:
    response = client.get(f"{path}/history")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_a_quote_s_life_is_on_record_with_the_key_that_changed_it(client):
    quote = post(client, QUOTE | {"text": "History starts here."})
    path = f"/v1/quotes/{quote['id']}"
    client.patch_current(path, json={"context": "in an interview"})
    client.delete_current(f"{path}?note=Never said.")
    created, updated, retracted = history(client, path)
    assert [e["action"] for e in (created, updated, retracted)] == ["create", "update", "retract"]
    assert all(e["actor"].startswith("tests-write-") for e in (created, updated, retracted))
    assert created["changes"]["text"] == "History starts here."
    assert updated["changes"] == {"context": {"before": "told reporters", "after": "in an interview"}}
    assert retracted["changes"]["status"] == {"before": "unverified", "after": "retracted"}


def test_a_new_citation_is_a_change(client):
    quote = post(client, QUOTE | {"text": "Cited twice."})
    post(
        client,
        QUOTE | {"text": "Cited twice.", "citations": [{"source": {"title": "Second outlet"}}]},
        status=200,
    )
    entries = history(client, f"/v1/quotes/{quote['id']}")
    assert [e["action"] for e in entries] == ["create", "update"]
    assert len(entries[1]["changes"]["citations"]["after"]) == 2


def test_speaker_and_source_changes(client):
    speaker = client.post("/v1/speakers", json={"name": "Historied"}).get_json()
    client.patch_current(f"/v1/speakers/{speaker['id']}", json={"aliases": ["H."]})
    assert [e["action"] for e in history(client, f"/v1/speakers/{speaker['id']}")] == ["create", "update"]
    source = client.post("/v1/sources", json={"title": "Historied source"}).get_json()
    client.patch_current(f"/v1/sources/{source['id']}", json={"publisher": "Someone"})
    changes = history(client, f"/v1/sources/{source['id']}")[1]["changes"]
    assert changes == {"publisher": {"before": None, "after": "Someone"}}


def test_a_refused_write_leaves_no_history(client):
    first = post(client, QUOTE | {"text": "One."})
    second = post(client, QUOTE | {"text": "Two."})
    assert client.patch_current(f"/v1/quotes/{second['id']}", json={"text": first["text"]}).status_code == 409
    assert [e["action"] for e in history(client, f"/v1/quotes/{second['id']}")] == ["create"]


def test_history_of_an_unknown_record_is_404(client):
    assert client.get("/v1/quotes/987654321/history").status_code == 404
