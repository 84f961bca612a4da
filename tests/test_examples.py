"""The example data: every quote of the two seed articles, attributed as the articles say."""

import pytest

MOSCOW_TIMES_URL = (
    "https://www.themoscowtimes.com/2019/04/24/"
    "north-koreas-kim-jong-un-arrives-in-russia-for-summit-with-putin-a65357"
)


def quotes(client, **query) -> list[dict]:
    return client.get("/v1/quotes", query_string={"limit": 500} | query).get_json()["items"]


def by_text(items: list[dict], start: str) -> dict:
    [quote] = [q for q in items if q["text"].startswith(start)]
    return quote


def speaker_names(client, query: str) -> list[str]:
    return [s["name"] for s in client.get("/v1/speakers", query_string={"q": query}).get_json()["items"]]


def test_moscow_times_article(client):
    items = quotes(client, source=MOSCOW_TIMES_URL)
    assert len(items) == 21
    source = items[0]["citations"][0]["source"]
    assert (source["publisher"], source["agency"], source["published_at"][:10]) == (
        "The Moscow Times",
        "Reuters",
        "2019-04-24",
    )

    kim = by_text(items, "I hope the talks will be successful and useful")
    assert (kim["speaker"]["name"], kim["said_on"], kim["kind"]) == ("Kim Jong Un", "2019-04-24", "direct")
    assert kim["citations"][0]["via"] == "Rossiya 24"

    ushakov = by_text(items, "In the last few months the situation around the peninsula")
    assert ushakov["speaker"]["name"] == "Yuri Ushakov" and ushakov["said_on"] is None
    assert ushakov["speaker_role"] == "Kremlin aide"

    tweet = by_text(items, "Побежали, потерялись")
    assert (tweet["lang"], tweet["speaker"]["name"]) == ("ru", "Dmitry Smirnov")
    assert "@dimsmirnov175" in tweet["speaker"]["aliases"]

    official = by_text(items, "It is Chairman Kim's commitment to denuclearization")
    assert official["speaker"] is None
    assert official["speaker_description"] == "a U.S. State Department official"
    assert by_text(items, "to bridge any gaps")["kind"] == "partial"

    lukin = by_text(items, "As for Russia, the Putin-Kim summit")
    assert lukin["speaker"]["name"] == "Artyom Lukin"
    nhk = by_text(items, "Putin could propose a restart of the six-party")
    assert (nhk["kind"], nhk["speaker_description"], nhk["citations"][0]["via"]) == (
        "indirect",
        "an unnamed senior Russian official",
        "NHK",
    )


def test_untitled_article(client):
    [source] = [
        s
        for s in client.get("/v1/sources?limit=500").get_json()["items"]
        if s["url"] is None and s["title"].startswith("Untitled article")
    ]
    items = quotes(client, source=str(source["id"]))
    assert len(items) == 25

    peskov = by_text(items, "There is no doubt that Russia will be ready to do everything")
    assert (peskov["speaker"]["name"], peskov["said_on"]) == ("Dmitry Peskov", "2019-04-19")

    pool = by_text(items, "Ким Чен Ын приехал во Владивосток")
    assert (pool["lang"], pool["speaker"]["name"], pool["said_on"]) == (
        "ru",
        "Kremlin pool of RIA Novosti",
        "2019-04-24",
    )
    assert pool["translations"][0]["lang"] == "en"
    assert pool["translations"][0]["text"].startswith("Kim Jong Un arrived in Vladivostok")

    letter = by_text(items, "It fully conforms with the common interests")
    assert (letter["speaker"]["name"], letter["said_on"], letter["citations"][0]["via"]) == (
        "Kim Jong Un",
        "2019-04-19",
        "KCNA",
    )

    pompeo = by_text(items, "in charge")
    assert (pompeo["kind"], pompeo["speaker"]["name"]) == ("partial", "Mike Pompeo")
    assert pompeo["speaker"]["wikidata_id"] == "Q473239"
    ushakov = by_text(items, "The focus of the talks will, of course")
    assert ushakov["speaker_role"] == "Russian Presidential aide"


def test_ushakov_is_one_speaker_across_both_articles(client):
    items = quotes(client, speaker="Ushakov")
    assert {q["speaker"]["name"] for q in items} == {"Yuri Ushakov"}
    publishers = {c["source"]["publisher"] or c["source"]["title"] for q in items for c in q["citations"]}
    assert len(publishers) == 2 and len(items) == 10


@pytest.mark.parametrize(
    "alias,name",
    [
        ("Yury Ushakov", "Yuri Ushakov"),
        ("Юрий Ушаков", "Yuri Ushakov"),
        ("Kim Jong-un", "Kim Jong Un"),
        ("Ким Чен Ын", "Kim Jong Un"),
        ("Chairman Kim", "Kim Jong Un"),
        ("@Kremlinpool_RIA", "Kremlin pool of RIA Novosti"),
        ("Кремлевский пул РИА", "Kremlin pool of RIA Novosti"),
        ("@dimsmirnov175", "Dmitry Smirnov"),
        ("Pompeo", "Mike Pompeo"),
        ("KCNA", "Korean Central News Agency"),
        ("Peskov", "Dmitry Peskov"),
    ],
)
def test_every_spelling_finds_the_speaker_first(client, alias, name):
    assert speaker_names(client, alias)[0] == name


def test_other_kims_are_not_aliases_of_kim_jong_un(client):
    [kim] = client.get("/v1/speakers?q=Kim Jong Un&limit=1").get_json()["items"]
    others = {"Kim Jong Il", "Kim Il Sung", "Kim Yo Jong", "Kim Yong Chol", "Kim Chang Son", "Kim Phyong Hae"}
    assert kim["name"] == "Kim Jong Un"
    assert not others & {kim["name"], *kim["aliases"]}
    assert "Kim" not in kim["aliases"]


def test_unnamed_sources_are_descriptions_not_people(client):
    unnamed = quotes(client, kind="indirect") + quotes(client, kind="direct")
    descriptions = {q["speaker_description"] for q in unnamed if q["speaker"] is None}
    assert {
        "a U.S. State Department official",
        "an unnamed senior Russian official",
        "analysts",
    } <= descriptions
    assert all(q["speaker_description"] is None for q in unnamed if q["speaker"] is not None)
