"""/v1/sources through HTTP."""

import pytest

URL = "https://www.example.org/2019/04/24/kim-arrives"


def create(client, body):
    response = client.post("/v1/sources", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


class TestCreateSource:
    def test_url_is_canonicalised(self, client):
        source = create(
            client,
            {
                "url": "HTTPS://WWW.Example.ORG/2019/04/24/kim-arrives?utm_source=tw&fbclid=x#top",
                "publisher": "Example",
            },
        )
        assert source["url"] == URL

    def test_same_page_twice_is_409_with_existing(self, client):
        first = create(client, {"url": URL})
        response = client.post("/v1/sources", json={"url": URL + "?utm_medium=email"})
        assert response.status_code == 409
        assert response.get_json()["existing"] == f"/v1/sources/{first['id']}"

    def test_source_without_url_needs_publisher_or_title(self, client):
        assert create(client, {"publisher": "Rossiya 24", "kind": "broadcast"})["url"] is None
        response = client.post("/v1/sources", json={"authors": ["Someone"]})
        assert response.status_code == 422

    @pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)", "not a url"])
    def test_only_web_urls(self, client, url):
        assert client.post("/v1/sources", json={"url": url}).status_code == 422

    def test_naive_publication_time_is_utc(self, client):
        source = create(client, {"title": "T", "published_at": "2019-04-24T10:00:00"})
        assert source["published_at"] == "2019-04-24T10:00:00+00:00"


class TestFindSource:
    def test_lookup_by_any_spelling_of_the_url(self, client):
        source = create(client, {"url": URL, "title": "Kim arrives"})
        found = client.get(
            "/v1/sources", query_string={"url": "https://WWW.EXAMPLE.org/2019/04/24/kim-arrives#x"}
        )
        assert [s["id"] for s in found.get_json()["items"]] == [source["id"]]

    def test_lookup_by_publisher(self, client):
        items = client.get("/v1/sources?publisher=the moscow times").get_json()["items"]
        assert [s["publisher"] for s in items] == ["The Moscow Times"]


class TestChangeSource:
    def test_patch_title(self, client):
        source = create(client, {"url": URL})
        changed = client.patch_current(f"/v1/sources/{source['id']}", json={"title": "New title"}).get_json()
        assert changed["title"] == "New title" and changed["version"] == 2

    def test_patch_url_onto_another_source_is_409(self, client):
        create(client, {"url": URL})
        other = create(client, {"url": URL + "-2"})
        response = client.patch_current(f"/v1/sources/{other['id']}", json={"url": URL})
        assert response.status_code == 409
