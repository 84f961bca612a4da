"""/v1/verify through HTTP, on the example data."""

import pytest

from tests.quotes.test_views import QUOTE, post

KIM_HOPE = "I hope the talks will be successful and useful"
UNIQUE = "Our railway gauge differs from theirs by eighty-five millimetres exactly."
NEWS_COPY = "The U.S. won't accept a rise of 5 per cent in the organisation's budget, Mr. Smith."
PESKOV = "There is no doubt that Russia will be ready to do everything to facilitate"


def verify(client, text, speaker=None, **query):
    response = client.get(
        "/v1/verify", query_string={"text": text} | ({"speaker": speaker} if speaker else {}) | query
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


class TestVerdicts:
    def test_verbatim_by_the_claimed_speaker_is_verified(self, client):
        answer = verify(client, KIM_HOPE, "Kim Jong-un")
        assert answer["verdict"] == "verified"
        best = answer["matches"][0]
        assert (best["match"], best["score"]) == ("exact", 1.0)
        quote = best["quote"]
        assert (quote["speaker"]["name"], quote["said_on"]) == ("Kim Jong Un", "2019-04-24")
        assert quote["citations"][0]["source"]["publisher"] == "The Moscow Times"
        assert answer["claimed"]["speaker_known"] is True

    def test_excerpt_with_an_ellipsis_by_someone_else_is_misattributed(self, client):
        answer = verify(
            client,
            "Russia will be ready to do everything to facilitate ... denuclearization",
            "Vladimir Putin",
        )
        assert answer["verdict"] == "misattributed"
        assert answer["matches"][0]["quote"]["speaker"]["name"] == "Dmitry Peskov"
        assert answer["matches"][0]["match"] == "excerpt"
        assert answer["claimed"]["speaker_known"] is False
        assert "Dmitry Peskov" in answer["summary"] and "Vladimir Putin" in answer["summary"]

    def test_translation_of_a_russian_tweet_without_speaker_is_verified(self, client):
        answer = verify(
            client,
            "Kim Jong Un arrived in Vladivostok, where he will meet with Putin, "
            "without his wife, but with gifts.",
        )
        assert answer["verdict"] == "verified"
        best = answer["matches"][0]
        assert best["match"] == "translation"
        assert best["quote"]["speaker"]["name"] == "Kremlin pool of RIA Novosti"
        assert best["quote"]["lang"] == "ru"

    def test_changed_word_is_altered_with_the_difference_shown(self, client):
        answer = verify(client, "I hope the negotiations will be successful and useful", "Ким Чен Ын")
        assert answer["verdict"] == "altered"
        best = answer["matches"][0]
        assert best["quote"]["text"] == KIM_HOPE and best["match"] == "close"
        assert best["differences"] == [{"claimed": "negotiations", "recorded": "talks"}]

    def test_two_changed_words_in_a_longer_claim_are_still_found(self, client):
        answer = verify(client, "The situation around the peninsula has stabilised a lot", "Ушаков")
        assert answer["verdict"] == "altered"
        best = answer["matches"][0]
        assert best["quote"]["speaker"]["name"] == "Yuri Ushakov"
        assert best["differences"] == [{"claimed": "a lot", "recorded": "somewhat"}]

    def test_an_inserted_negation_is_altered_with_the_stored_wording(self, client):
        answer = verify(client, "I hope the talks will not be successful and useful", "Kim Jong Un")
        assert answer["verdict"] == "altered"
        best = answer["matches"][0]
        assert best["quote"]["text"] == KIM_HOPE and best["match"] == "close"
        assert best["differences"] == [{"claimed": "not", "recorded": ""}]

    @pytest.mark.parametrize(
        "claim,dropped",
        [
            ("I hope the talks will be useful", "successful and"),
            ("Russia will be ready to do everything to facilitate the process of denuclearization", None),
        ],
    )
    def test_dropped_words_are_altered_and_shown(self, client, claim, dropped):
        answer = verify(client, claim)
        assert answer["verdict"] == "altered"
        best = answer["matches"][0]
        assert best["match"] == "close"
        assert all(d["claimed"] == "" for d in best["differences"])
        if dropped:
            assert best["differences"] == [{"claimed": "", "recorded": dropped}]

    def test_someone_elses_words_are_misattributed_to_a_known_speaker(self, client):
        answer = verify(client, KIM_HOPE, "Mike Pompeo")
        assert answer["verdict"] == "misattributed"
        assert answer["claimed"]["speakers"][0]["name"] == "Mike Pompeo"
        assert answer["matches"][0]["quote"]["speaker"]["name"] == "Kim Jong Un"

    def test_unnamed_source_is_named_by_its_description(self, client):
        answer = verify(
            client,
            "It is Chairman Kim's commitment to denuclearization upon which the world is focused",
            "Mike Pompeo",
        )
        assert answer["verdict"] == "misattributed"
        assert "a U.S. State Department official" in answer["summary"]

    @pytest.mark.parametrize("claim", ["the", "not", "will be successful"])
    def test_a_few_words_found_in_longer_quotes_are_not_verified(self, client, claim):
        answer = verify(client, claim)
        assert answer["verdict"] == "not_found", answer["summary"]

    def test_nothing_close_is_not_found(self, client):
        answer = verify(client, "The moon is made of green cheese", "Kim Jong Un")
        assert (answer["verdict"], answer["matches"]) == ("not_found", [])

    @pytest.mark.parametrize(
        "variant",
        [
            "“i hope the talks will be SUCCESSFUL and useful.”",
            "I hope the talks will be successful, and useful!",
            "the talks will be successful",
        ],
    )
    def test_case_punctuation_quote_marks_and_excerpts_do_not_matter(self, client, variant):
        answer = verify(client, variant, "Kim Jong Un")
        assert answer["verdict"] == "verified"
        assert answer["matches"][0]["quote"]["text"] == KIM_HOPE

    @pytest.mark.parametrize(
        "variant",
        [
            "The US won’t accept a rise of 5% in the organization’s budget, Mr Smith.",
            "the U.S. wont accept a rise of 5 percent in the organisation's budget - Mr. Smith",
            "«The U.S. won't accept a rise of 5 per cent in the organisation’s budget», Mr. Smith",
        ],
    )
    def test_news_copy_variants_of_the_same_words_are_verified(self, client, variant):
        quote = post(client, QUOTE | {"text": NEWS_COPY})
        answer = verify(client, variant)
        assert answer["verdict"] == "verified", answer["matches"][:1]
        assert answer["matches"][0]["quote"]["id"] == quote["id"]

    def test_british_and_american_spellings_match(self, client):
        answer = verify(client, "the situation around the peninsula has stabilised somewhat", "Yury Ushakov")
        assert answer["verdict"] == "verified"

    def test_retracted_quotes_never_verify(self, client):
        quote = post(client, QUOTE | {"text": UNIQUE})
        client.delete_current(f"/v1/quotes/{quote['id']}?note=Fabricated.")
        assert verify(client, UNIQUE)["verdict"] == "not_found"

    def test_disputed_quotes_say_so(self, client):
        quote = post(client, QUOTE | {"text": UNIQUE})
        client.patch_current(
            f"/v1/quotes/{quote['id']}", json={"status": "disputed", "status_note": "He denies it."}
        )
        answer = verify(client, UNIQUE)
        assert answer["verdict"] == "verified"
        assert answer["matches"][0]["quote"]["status"] == "disputed"
        assert answer["warnings"] == [f"Quote {quote['id']} is marked disputed: He denies it."]


class TestRequests:
    def test_post_takes_the_same_claim_as_json(self, client):
        response = client.post("/v1/verify", json={"text": KIM_HOPE, "speaker": "Kim Jong-un"})
        assert response.get_json()["verdict"] == "verified"

    @pytest.mark.parametrize("text", ["", "x" * 5001])
    def test_empty_or_overlong_text_is_422(self, client, text):
        response = client.get("/v1/verify", query_string={"text": text})
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        assert "text" in response.get_json()["errors"]

    def test_text_is_required(self, client):
        assert client.post("/v1/verify", json={"speaker": "Kim"}).status_code == 422


class TestPlainText:
    @pytest.mark.parametrize(
        "how", [{"headers": {"Accept": "text/plain"}}, {"query_string": {"format": "text"}}]
    )
    def test_terminal_answer(self, client, how):
        query = {"text": PESKOV, "speaker": "Putin"} | how.get("query_string", {})
        response = client.get("/v1/verify", query_string=query, headers=how.get("headers"))
        assert response.mimetype == "text/plain"
        lines = response.get_data(as_text=True).splitlines()
        assert lines[0].startswith("MISATTRIBUTED: Dmitry Peskov, on 2019-04-19, said this, not Putin")
        assert any("Dmitry Peskov" in line and "2019-04-19" in line for line in lines)
        assert any(PESKOV[:40] in line or "There is no doubt" in line for line in lines)
        assert all(len(line) <= 80 for line in lines if "http" not in line)


@pytest.mark.parametrize("text", ["...", "!!! ???", "— «» —", "'"])
def test_a_claim_without_words_is_not_found(client, text):
    assert verify(client, text)["verdict"] == "not_found"


@pytest.mark.parametrize(
    "path,kwargs",
    [
        ("/v1/verify", {"query_string": {"text": "a\x00b"}}),
        ("/v1/quotes", {"query_string": {"speaker": "x\x00"}}),
        ("/v1/export", {"query_string": {"q": "\x00"}}),
    ],
)
def test_nul_characters_are_refused_at_the_edge(client, path, kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code in (400, 422)
    assert "NUL" in str(response.get_json()["errors"])
