"""/v1/quotes through HTTP."""

import pytest

SOURCE = {"url": "https://news.example.org/lukin", "title": "Summit", "publisher": "Example News"}
QUOTE = {
    "text": "This meeting is important for Russian international prestige.",
    "lang": "en",
    "kind": "direct",
    "speaker": {"name": "Test Speaker", "aliases": ["T. Speaker", "Тест Спикер"]},
    "speaker_role": "a professor",
    "said_on": "2019-04-23",
    "context": "told reporters",
    "topics": ["summit"],
    "translations": [{"lang": "ru", "text": "Эта встреча важна.", "translator": "OnRecord"}],
    "citations": [
        {
            "source": SOURCE,
            "printed_text": "This meeting is important...",
            "attribution": "he said",
            "via": "RIA",
        }
    ],
}
REPRESENTATION_KEYS = {
    "id",
    "text",
    "lang",
    "kind",
    "status",
    "status_note",
    "speaker",
    "speaker_description",
    "speaker_role",
    "said_on",
    "said_on_precision",
    "context",
    "topics",
    "translations",
    "citations",
    "created_at",
    "updated_at",
    "version",
}


def post(client, body, status=201):
    response = client.post("/v1/quotes", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


class TestRecordQuote:
    def test_created_quote_has_the_published_shape(self, client):
        quote = post(client, QUOTE)
        assert set(quote) == REPRESENTATION_KEYS
        assert set(quote["speaker"]) == {"id", "name", "aliases", "wikidata_id"}
        assert quote["speaker"]["aliases"] == ["T. Speaker", "Тест Спикер"]
        assert quote["said_on_precision"] == "day" and quote["status"] == "unverified"
        citation = quote["citations"][0]
        assert set(citation["source"]) == {
            "id",
            "url",
            "title",
            "publisher",
            "agency",
            "published_at",
            "kind",
        }
        assert (citation["printed_text"], citation["attribution"], citation["via"]) == (
            "This meeting is important...",
            "he said",
            "RIA",
        )
        assert quote["translations"] == QUOTE["translations"]

    def test_location_header_reads_back_the_quote(self, client):
        response = client.post("/v1/quotes", json=QUOTE)
        assert client.get(response.headers["Location"]).get_json() == response.get_json()

    def test_same_statement_from_a_second_outlet_is_one_quote_with_two_citations(self, client):
        first = post(client, QUOTE)
        second_outlet = QUOTE | {
            "text": "“THIS meeting is   important for Russian international prestige.”",
            "citations": [{"source": {"url": "https://other.example.com/x", "publisher": "Other"}}],
        }
        again = post(client, second_outlet, status=200)
        assert again["id"] == first["id"]
        assert [c["source"]["publisher"] for c in again["citations"]] == ["Example News", "Other"]
        assert again["version"] == first["version"] + 1

    def test_posting_the_same_body_twice_changes_nothing(self, client):
        first = post(client, QUOTE)
        again = post(client, QUOTE, status=200)
        assert again == first

    def test_same_words_by_another_speaker_are_another_quote(self, client):
        first = post(client, QUOTE)
        other = post(client, QUOTE | {"speaker": {"name": "Somebody Else"}})
        assert other["id"] != first["id"]

    def test_speaker_matched_by_alias_not_duplicated(self, client):
        first = post(client, QUOTE)
        second = post(client, QUOTE | {"text": "Another statement.", "speaker": {"name": "Тест Спикер"}})
        assert second["speaker"]["id"] == first["speaker"]["id"]

    def test_speaker_by_id(self, client):
        speaker = post(client, QUOTE)["speaker"]
        body = {k: v for k, v in QUOTE.items() if k != "speaker"}
        quote = post(client, body | {"text": "By id.", "speaker_id": speaker["id"]})
        assert quote["speaker"]["id"] == speaker["id"]

    def test_unknown_speaker_id_is_404(self, client):
        body = {k: v for k, v in QUOTE.items() if k != "speaker"} | {"speaker_id": 987654321}
        assert client.post("/v1/quotes", json=body).status_code == 404

    def test_unnamed_source_keeps_its_description(self, client):
        body = {k: v for k, v in QUOTE.items() if k != "speaker"} | {
            "speaker_description": "an unnamed senior Russian official"
        }
        quote = post(client, body)
        assert quote["speaker"] is None
        assert quote["speaker_description"] == "an unnamed senior Russian official"

    def test_source_shorthand_is_one_citation(self, client):
        body = {k: v for k, v in QUOTE.items() if k != "citations"} | {"source": SOURCE}
        assert [c["source"]["url"] for c in post(client, body)["citations"]] == [SOURCE["url"]]

    def test_citation_by_source_id(self, client):
        source = post(client, QUOTE)["citations"][0]["source"]
        body = QUOTE | {"text": "Cited by id.", "citations": [{"source_id": source["id"]}]}
        assert post(client, body)["citations"][0]["source"] == source

    @pytest.mark.parametrize(
        "change,field",
        [
            ({"speaker_description": "an official"}, "speaker"),
            ({"speaker": None}, "speaker"),
            ({"citations": []}, "citations"),
            ({"kind": "rumour"}, "kind"),
            ({"lang": "xx-invalid-tag-here"}, "lang"),
            ({"text": ""}, "text"),
            ({"text": "x" * 5001}, "text"),
            ({"said_on": "2019-02-30"}, "said_on"),
            ({"status": "disputed"}, "status_note"),
            ({"citations": [{"printed_text": "no source"}]}, "citations"),
            ({"topics": ["t"] * 51}, "topics"),
        ],
    )
    def test_invalid_quotes_are_422_naming_the_field(self, client, change, field):
        body = {k: v for k, v in (QUOTE | change).items() if v is not None}
        response = client.post("/v1/quotes", json=body)
        assert response.status_code == 422
        assert field in response.get_json()["errors"]


class TestChangeQuote:
    def test_patch_changes_fields_and_version(self, client):
        quote = post(client, QUOTE)
        changed = client.patch_current(
            f"/v1/quotes/{quote['id']}", json={"context": "in an interview", "said_on": "2019-04"}
        )
        assert changed.status_code == 422  # a date is a full date; precision says how much of it is known
        changed = client.patch_current(
            f"/v1/quotes/{quote['id']}",
            json={"context": "in an interview", "said_on": "2019-04-01", "said_on_precision": "month"},
        ).get_json()
        assert (changed["context"], changed["said_on_precision"]) == ("in an interview", "month")
        assert changed["version"] == quote["version"] + 1

    def test_correction_needs_a_note_and_keeps_the_record(self, client):
        quote = post(client, QUOTE)
        assert (
            client.patch_current(f"/v1/quotes/{quote['id']}", json={"status": "disputed"}).status_code == 422
        )
        changed = client.patch_current(
            f"/v1/quotes/{quote['id']}", json={"status": "disputed", "status_note": "Denied by his office."}
        ).get_json()
        assert (changed["status"], changed["status_note"]) == ("disputed", "Denied by his office.")
        assert changed["citations"] == quote["citations"]

    def test_delete_retracts_and_the_record_stays_readable(self, client):
        quote = post(client, QUOTE)
        retracted = client.delete_current(f"/v1/quotes/{quote['id']}?note=Wrong speaker.")
        assert retracted.status_code == 200
        assert (retracted.get_json()["status"], retracted.get_json()["status_note"]) == (
            "retracted",
            "Wrong speaker.",
        )
        again = client.get(f"/v1/quotes/{quote['id']}").get_json()
        assert again["status"] == "retracted" and again["text"] == quote["text"]

    def test_patch_text_onto_another_statement_of_the_speaker_is_409(self, client):
        first = post(client, QUOTE)
        second = post(client, QUOTE | {"text": "Second statement."})
        response = client.patch_current(f"/v1/quotes/{second['id']}", json={"text": first["text"]})
        assert response.status_code == 409

    def test_delete_unknown_quote_is_404(self, client):
        assert client.delete_current("/v1/quotes/987654321").status_code == 404


UNNAMED = {k: v for k, v in QUOTE.items() if k != "speaker"} | {"speaker_description": "an unnamed official"}


class TestChangesKeepTheRulesOfCreation:
    """A PATCH is checked against the quote it leaves behind, by the same rules as a new quote."""

    @pytest.mark.parametrize(
        "body,change,field",
        [
            (QUOTE | {"status": "disputed", "status_note": "Denied."}, {"status_note": None}, "status_note"),
            (QUOTE | {"status": "disputed", "status_note": "Denied."}, {"status": "retracted"}, None),
            (QUOTE, {"speaker_description": "an official"}, "speaker"),
            (QUOTE, {"speaker_id": None}, "speaker"),
            (UNNAMED, {"speaker_description": None}, "speaker"),
            (QUOTE | {"said_on": None}, {"said_on_precision": "month"}, "said_on_precision"),
        ],
    )
    def test_a_change_that_breaks_a_rule_is_422_and_changes_nothing(self, client, body, change, field):
        quote = post(client, body)
        path = f"/v1/quotes/{quote['id']}"
        response = client.patch_current(path, json=change)
        if field is None:  # the stored note still explains the new status
            assert response.status_code == 200, response.get_json()
            return
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["errors"]
        assert client.get(path).get_json() == quote

    def test_naming_a_speaker_replaces_the_description_and_back(self, client):
        speaker = post(client, QUOTE)["speaker"]
        quote = post(client, UNNAMED | {"text": "Who said it was found out later."})
        path = f"/v1/quotes/{quote['id']}"
        named = client.patch_current(path, json={"speaker_id": speaker["id"]}).get_json()
        assert (named["speaker"]["id"], named["speaker_description"]) == (speaker["id"], None)
        assert named["version"] == quote["version"] + 1
        change = client.get(f"{path}/history").get_json()["items"][-1]["changes"]
        assert change["speaker_id"] == {"before": None, "after": speaker["id"]}
        unnamed = client.patch_current(path, json={"speaker_id": None, "speaker_description": "an aide"})
        assert unnamed.status_code == 200, unnamed.get_json()
        assert (unnamed.get_json()["speaker"], unnamed.get_json()["speaker_description"]) == (None, "an aide")

    def test_clearing_the_date_clears_its_precision(self, client):
        quote = post(client, QUOTE)
        changed = client.patch_current(f"/v1/quotes/{quote['id']}", json={"said_on": None}).get_json()
        assert (changed["said_on"], changed["said_on_precision"]) == (None, None)


class TestLanguageTags:
    """BCP 47 tags are case-insensitive: stored and matched in their canonical case."""

    @pytest.mark.parametrize(
        "given,stored",
        [
            ("EN", "en"),
            ("en-gb", "en-GB"),
            ("ZH-hANT", "zh-Hant"),
            ("sr-latn-rs", "sr-Latn-RS"),
            ("es-419", "es-419"),
        ],
    )
    def test_tags_are_stored_in_canonical_case(self, client, given, stored):
        body = QUOTE | {
            "text": f"Tagged {given}.",
            "lang": given,
            "translations": [{"lang": given, "text": "T."}],
        }
        quote = post(client, body)
        assert (quote["lang"], quote["translations"][0]["lang"]) == (stored, stored)
        path = f"/v1/quotes/{quote['id']}"
        assert client.patch_current(path, json={"lang": given.swapcase()}).get_json()["lang"] == stored

    def test_a_filter_in_any_case_finds_the_same_quotes(self, client):
        quote = post(client, QUOTE | {"text": "Said in British English.", "lang": "EN-gb"})
        for lang in ("en-GB", "EN-GB", "en-gb"):
            found = client.get("/v1/quotes", query_string={"lang": lang, "limit": 500}).get_json()["items"]
            assert quote["id"] in [q["id"] for q in found]

    def test_a_source_language_too(self, client):
        source = client.post("/v1/sources", json={"title": "Tagged", "lang": "PT-br"}).get_json()
        assert source["lang"] == "pt-BR"
