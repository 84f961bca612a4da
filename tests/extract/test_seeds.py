"""The seed articles end to end through HTTP: extract, import, then search and verify."""

import json

import pytest

MOSCOW_TIMES = {
    "url": "https://www.themoscowtimes.com/2019/04/24/north-koreas-kim-jong-un-arrives-in-russia-for-summit-with-putin-a65357",
    "title": "North Korea's Kim Jong Un Arrives in Russia for Summit With Putin",
    "publisher": "The Moscow Times",
    "agency": "Reuters",
    "published_at": "2019-04-24T00:00:00Z",
}
UNNAMED_OUTLET = {"title": "Kim Jong Un visits Russia", "published_at": "2019-04-24T00:00:00Z"}
META = {"000_9c77d9f54dba03b2.txt": MOSCOW_TIMES, "004_f4fd8c07fcbd5012.txt": UNNAMED_OUTLET}


def proposals_of(client, text: str, meta: dict, **query) -> list[dict]:
    response = client.post("/v1/extract", json={"text": text} | meta, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def seeds(client, seed_articles) -> dict[str, list[dict]]:
    return {name: proposals_of(client, text, META[name]) for name, text in seed_articles.items()}


def by_start(proposals: list[dict], words: str) -> dict:
    return next(p for p in proposals if p["text"].startswith(words))


class TestSeedSpeakers:
    def test_speaker_known_by_another_spelling_is_the_stored_one(self, seeds):
        quote = by_start(seeds["000_9c77d9f54dba03b2.txt"], "In the last few months")
        assert quote["speaker"]["name"] == "Yuri Ushakov"
        assert quote["context"] == "told reporters"

    def test_pronoun_refers_to_the_person_named_before(self, seeds):
        quote = by_start(seeds["000_9c77d9f54dba03b2.txt"], "I hope the talks")
        assert quote["speaker"]["name"] == "Kim Jong Un"
        assert quote["extraction"]["speaker_resolution"] == "pronoun"
        assert (quote["said_on"], quote["said_on_precision"]) == ("2019-04-24", "day")  # "on Wednesday"

    def test_unnamed_official_is_a_description_not_a_person(self, seeds):
        proposals = seeds["000_9c77d9f54dba03b2.txt"]
        for words in ("to bridge any gaps", "The United States and", "It is Chairman Kim"):
            quote = by_start(proposals, words)
            assert quote["speaker_description"] == "a U.S. State Department official"
            assert "speaker" not in quote
        assert by_start(proposals, "to bridge any gaps")["kind"] == "partial"

    def test_tweet_in_russian_with_its_translation_is_one_quote(self, seeds):
        proposals = seeds["004_f4fd8c07fcbd5012.txt"]
        tweet = by_start(proposals, "Кремль официально объявил")
        assert (tweet["lang"], tweet["said_on"]) == ("ru", "2019-04-23")
        assert tweet["speaker"]["name"] == "Kremlin pool of RIA Novosti"
        assert tweet["translations"][0]["lang"] == "en"
        assert tweet["translations"][0]["text"].startswith("The Kremlin officially announced")
        assert not [p for p in proposals if p["text"].startswith("The Kremlin officially announced")]

    def test_multi_paragraph_statement_is_one_quote(self, seeds):
        quote = by_start(seeds["004_f4fd8c07fcbd5012.txt"], "It fully conforms")
        assert "\nI am ready to closely cooperate" in quote["text"]
        assert quote["speaker"]["name"] == "Kim Jong Un"

    def test_partial_quote_in_reported_speech(self, seeds):
        quote = by_start(seeds["004_f4fd8c07fcbd5012.txt"], "in charge")
        assert (quote["kind"], quote["speaker"]["name"]) == ("partial", "Mike Pompeo")


class TestSeedsEndToEnd:
    def test_seed_quotes_imported_are_searchable_and_verified(self, client, seed_articles):
        text = seed_articles["000_9c77d9f54dba03b2.txt"]
        lines = "".join(json.dumps(p) + "\n" for p in proposals_of(client, text, MOSCOW_TIMES))
        report = client.post("/v1/imports", data=lines, content_type="application/x-ndjson").get_json()
        assert report["failed"] == 0 and report["created"] + report["matched"] == len(lines.splitlines())
        found = client.get("/v1/quotes", query_string={"q": "cement that positive trend"}).get_json()
        assert "Yuri Ushakov" in {q["speaker"]["name"] for q in found["items"]}
        verdict = client.get(
            "/v1/verify",
            query_string={"text": "Russia intends to help in any way possible", "speaker": "Ushakov"},
        ).get_json()
        assert verdict["verdict"] == "verified"

    def test_extract_with_import_twice_adds_nothing_the_second_time(self, client, seed_articles):
        text = seed_articles["004_f4fd8c07fcbd5012.txt"]
        first = proposals_of(client, text, UNNAMED_OUTLET, **{"import": "true"})
        again = proposals_of(client, text, UNNAMED_OUTLET, **{"import": "true"})
        assert all(p["extraction"]["imported"]["status"] in ("created", "matched") for p in first)
        assert {p["extraction"]["imported"]["status"] for p in again} == {"matched"}
        ids = [p["extraction"]["imported"]["id"] for p in first]
        assert ids == [p["extraction"]["imported"]["id"] for p in again]
        stored = client.get(f"/v1/quotes/{ids[0]}").get_json()
        assert stored["status"] == "unverified"
