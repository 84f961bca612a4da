"""/v1/speakers through HTTP."""

import pytest

DMITRY = {
    "name": "Dmitry Peskov",
    "aliases": ["Dmitri Peskov", "Дмитрий Песков", "Peskov"],
    "roles": [{"title": "Kremlin spokesman", "organisation": "Kremlin", "from": "2012-05-22"}],
}


def create(client, body):
    response = client.post("/v1/speakers", json=body)
    assert response.status_code == 201, response.get_json()
    return response


class TestCreateSpeaker:
    def test_create_returns_speaker_and_location(self, client):
        body = DMITRY | {"name": "Dmitry Peskov (test)"}
        response = create(client, body)
        speaker = response.get_json()
        assert response.headers["Location"].endswith(f"/v1/speakers/{speaker['id']}")
        assert speaker["name"] == "Dmitry Peskov (test)"
        assert speaker["aliases"] == DMITRY["aliases"]
        assert speaker["roles"] == [
            {"title": "Kremlin spokesman", "organisation": "Kremlin", "from": "2012-05-22", "to": None}
        ]
        assert speaker["kind"] == "person" and speaker["version"] == 1

    def test_wikidata_id_is_unique(self, client):
        create(client, {"name": "First", "wikidata_id": "Q99999991"})
        response = client.post("/v1/speakers", json={"name": "Second", "wikidata_id": "Q99999991"})
        assert response.status_code == 409
        assert response.get_json()["existing"].startswith("/v1/speakers/")

    @pytest.mark.parametrize("wikidata_id", ["56226", "Q", "Q0123", "q56226", "Q1 OR 1=1"])
    def test_malformed_wikidata_id_is_rejected(self, client, wikidata_id):
        response = client.post("/v1/speakers", json={"name": "X", "wikidata_id": wikidata_id})
        assert response.status_code == 422
        assert "wikidata_id" in response.get_json()["errors"]

    def test_unknown_kind_is_rejected(self, client):
        response = client.post("/v1/speakers", json={"name": "X", "kind": "robot"})
        assert response.get_json()["errors"]["kind"]


class TestFindSpeaker:
    @pytest.mark.parametrize(
        "query", ["kim jong-un", "KIM JONG UN", "Kim  Jong-Un", "Ким Чен Ын", "ким чен ын"]
    )
    def test_q_matches_every_alias_ignoring_case_and_hyphens(self, client, query):
        names = [s["name"] for s in client.get("/v1/speakers", query_string={"q": query}).get_json()["items"]]
        assert names == ["Kim Jong Un"]

    def test_q_ignores_diacritics(self, client):
        create(client, {"name": "José Ramos-Horta"})
        response = client.get("/v1/speakers", query_string={"q": "jose ramos horta"})
        assert [s["name"] for s in response.get_json()["items"]] == ["José Ramos-Horta"]

    def test_similar_names_stay_apart(self, client):
        for name in ("Kim Jong Il", "Kim Yo Jong"):
            create(client, {"name": name})
        names = [s["name"] for s in client.get("/v1/speakers?q=Kim Jong Il").get_json()["items"]]
        assert names[0] == "Kim Jong Il"

    def test_unknown_name_finds_nobody(self, client):
        assert client.get("/v1/speakers?q=Nobody Atall").get_json()["items"] == []

    def test_get_by_id(self, client):
        speaker = create(client, DMITRY | {"name": "Peskov Test"}).get_json()
        assert client.get(f"/v1/speakers/{speaker['id']}").get_json() == speaker


class TestChangeSpeaker:
    def test_patch_replaces_aliases_and_bumps_version(self, client):
        speaker = create(client, {"name": "Patch Test", "aliases": ["P. Test", "Old Alias"]}).get_json()
        response = client.patch_current(f"/v1/speakers/{speaker['id']}", json={"aliases": ["New Alias"]})
        changed = response.get_json()
        assert changed["aliases"] == ["New Alias"]
        assert changed["version"] == speaker["version"] + 1
        [found, *_] = client.get("/v1/speakers?q=new alias").get_json()["items"]
        assert (found["id"], found["score"]) == (speaker["id"], 1.0)
        old = client.get("/v1/speakers?q=Old Alias").get_json()["items"]
        assert all(s["score"] < 1.0 for s in old if s["id"] == speaker["id"])

    def test_renamed_speaker_is_found_by_both_names(self, client):
        speaker = create(client, {"name": "Old Name"}).get_json()
        client.patch_current(
            f"/v1/speakers/{speaker['id']}", json={"name": "New Name", "aliases": ["Old Name"]}
        )
        for name in ("old name", "new name"):
            assert client.get(f"/v1/speakers?q={name}").get_json()["items"][0]["id"] == speaker["id"]

    def test_patch_unknown_speaker_is_404(self, client):
        assert client.patch_current("/v1/speakers/987654321", json={"name": "X"}).status_code == 404

    def test_patch_to_taken_wikidata_id_is_409(self, client):
        create(client, {"name": "Holder", "wikidata_id": "Q99999992"})
        other = create(client, {"name": "Other"}).get_json()
        response = client.patch_current(f"/v1/speakers/{other['id']}", json={"wikidata_id": "Q99999992"})
        assert response.status_code == 409


class TestFindSpeakerAcrossScripts:
    @pytest.mark.parametrize(
        "query,name",
        [
            ("Ушаков", "Yuri Ushakov"),
            ("kim jong-un", "Kim Jong Un"),
            ("Ким Чен Ыном", "Kim Jong Un"),  # Russian instrumental case
            ("Peskov", "Dmitry Peskov"),
            ("Dmitri Peskov", "Dmitry Peskov"),
            ("Yuriy Ushakov", "Yuri Ushakov"),
        ],
    )
    def test_closest_speaker_first(self, client, query, name):
        items = client.get("/v1/speakers", query_string={"q": query}).get_json()["items"]
        assert items[0]["name"] == name

    def test_similar_names_rank_the_exact_one_first(self, client):
        for other in ("Kim Jong Il", "Kim Il Sung", "Kim Yo Jong"):
            create(client, {"name": other})
        for name in ("Kim Jong Il", "Kim Il Sung", "Kim Yo Jong", "Kim Jong Un"):
            items = client.get("/v1/speakers", query_string={"q": name}).get_json()["items"]
            assert items[0]["name"] == name and items[0]["score"] == 1.0
            assert all(s["score"] < 1.0 for s in items[1:])
