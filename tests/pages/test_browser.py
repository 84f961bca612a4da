"""The pages in a real headless chromium against a live `onrecord serve`: a person's
jobs done with the keyboard and mouse, what the pages show checked against what the API
returns, hostile records shown as text, and axe-core's accessibility rules on every page.

Screenshots of each page (desktop and phone) go to TEST_SCREENSHOTS_DIR when set
(`TEST_SCREENSHOTS_DIR=docs/screenshots` refreshes the README's), else to a temporary
directory."""

import os
import re
from pathlib import Path

import psycopg
import pytest
import requests

from tests.extract.conftest import SEEDS
from tests.pages.conftest import AXE, DESKTOP, PHONE

SERIOUS = ("serious", "critical")
HOSTILE_TEXT = "<script>alert('quote')</script> Pyongyang <img src=x onerror=alert('img')>"
HOSTILE_SPEAKER = "Mallory \u202eyrollaM"
JAVASCRIPT_URL = "javascript:alert('source')"


def api(server, path: str, **params):
    response = requests.get(server.base + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def listed_ids(page) -> list[int]:
    hrefs = page.locator("ol.results .quote-text a").evaluate_all("links => links.map(a => a.pathname)")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with the keyboard")


def test_search_open_a_quote_and_follow_its_speaker_with_the_keyboard(page, live_server):
    page.goto("/")
    tab_to(page, "#q")
    page.keyboard.type("Vladivostok")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Vladivostok"))
    found = api(live_server, "/v1/quotes", q="Vladivostok")["items"]
    assert found and listed_ids(page) == [q["id"] for q in found]

    tab_to(page, "ol.results .quote-text a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/quotes/{found[0]['id']}")
    quote = api(live_server, f"/v1/quotes/{found[0]['id']}")
    assert page.locator("blockquote.quote-body p").inner_text() == quote["text"]
    assert page.locator("blockquote.quote-body p").get_attribute("lang") == quote["lang"]
    shown_sources = page.locator("ol.citations .source strong").all_inner_texts()
    assert len(shown_sources) == len(quote["citations"])

    page.get_by_role("link", name=quote["speaker"]["name"], exact=True).first.click()
    page.wait_for_url(f"**/speakers/{quote['speaker']['id']}")
    speaker = api(live_server, f"/v1/speakers/{quote['speaker']['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == speaker["name"]
    for alias in speaker["aliases"]:
        assert page.get_by_text(alias, exact=True).count() >= 1
    theirs = api(live_server, "/v1/quotes", speaker=speaker["id"], sort="-said_on")["items"]
    assert listed_ids(page) == [q["id"] for q in theirs]


def test_filters_and_next_page_follow_the_api(page, live_server):
    page.goto("/")
    page.get_by_label("Language").fill("Russian")
    page.get_by_label("Kind").select_option("direct")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"lang=Russian"))
    expected = api(live_server, "/v1/quotes", lang="ru", kind="direct", sort="-said_on")["items"]
    assert expected and listed_ids(page) == [q["id"] for q in expected]

    page.goto("/?limit=5")
    first = listed_ids(page)
    page.get_by_role("link", name="Next page").click()
    every = api(live_server, "/v1/quotes", limit=10, sort="-said_on")["items"]
    assert first + listed_ids(page) == [q["id"] for q in every]


def test_verify_a_misattributed_claim(page, live_server):
    claim = "Russia will be ready to do everything to facilitate ... denuclearization"
    page.goto("/verify")
    page.get_by_label("The quote as claimed").fill(claim)
    page.get_by_label("Said by (optional)").fill("Vladimir Putin")
    page.get_by_role("button", name="Check").click()
    answer = api(live_server, "/v1/verify", text=claim, speaker="Vladimir Putin")
    assert answer["verdict"] == "misattributed"
    assert "Misattributed" in page.get_by_role("heading", level=2).first.inner_text()
    assert page.locator(".summary").inner_text() == answer["summary"]
    best = answer["matches"][0]["quote"]
    first_match = page.locator("ol.matches > li").first
    assert first_match.get_by_role("link", name=best["speaker"]["name"]).count() == 1
    # An excerpt with a gap: the stored wording in full, nothing marked as different.
    assert first_match.locator("blockquote").inner_text() == best["text"]
    assert first_match.locator("blockquote ins, blockquote del").count() == 0
    assert first_match.locator("ul.citations li").count() == len(best["citations"])


def test_hostile_records_are_shown_as_text(page, live_server, write_key):
    quote = requests.post(
        live_server.base + "/v1/quotes",
        json={
            "text": HOSTILE_TEXT,
            "lang": "en",
            "kind": "direct",
            "speaker": {"name": HOSTILE_SPEAKER},
            "speaker_role": "Kremlin aide",
            "source": {"url": "https://example.org/hostile", "publisher": "<b>Example</b>"},
        },
        headers={"Authorization": f"Bearer {write_key}"},
        timeout=30,
    ).json()
    with psycopg.connect(live_server.database_url.replace("+psycopg", "")) as connection:
        source_id = quote["citations"][0]["source"]["id"]
        connection.execute("UPDATE sources SET url = %s WHERE id = %s", (JAVASCRIPT_URL, source_id))

    page.goto(f"/quotes/{quote['id']}")
    assert page.locator("blockquote.quote-body p").inner_text() == HOSTILE_TEXT
    assert page.locator("a[href^='javascript' i], img, b").count() == 0
    assert page.get_by_text(JAVASCRIPT_URL, exact=True).count() == 1
    # The right-to-left override stays inside the name: the role after it is still to its right.
    name = page.get_by_role("link", name=re.compile("Mallory")).first.bounding_box()
    role = page.get_by_text("Kremlin aide", exact=True).bounding_box()
    assert name["x"] + name["width"] <= role["x"]

    page.goto("/?q=Pyongyang")
    assert page.locator("ol.results img, ol.results script").count() == 0
    assert page.locator("ol.results mark").first.inner_text() == "Pyongyang"


def propose_seed(page) -> None:
    """Paste a seed article into /extract and ask for its quotes."""
    page.goto("/extract")
    page.get_by_label("The article").fill((SEEDS / "000_9c77d9f54dba03b2.txt").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Propose quotes").click()
    page.wait_for_url("**/extract")


def test_extract_a_seed_article_and_import_two_of_its_quotes(page, live_server, write_key):
    propose_seed(page)
    proposals = page.locator("fieldset.proposal")
    assert proposals.count() > 2
    assert page.locator(".article mark").count() == proposals.count()
    texts = page.get_by_label("Words")
    chosen = ("I hope the talks", "Russia intends")
    kept = [n for n in range(texts.count()) if texts.nth(n).input_value().startswith(chosen)]
    assert len(kept) == 2
    for number in set(range(proposals.count())) - set(kept):
        page.get_by_role("checkbox", name="Import this quote").nth(number).uncheck()
    for number in kept:
        words = texts.nth(number)
        words.fill(words.input_value().replace("Russia intends", "Russia wants"))
    page.get_by_label("Write key").fill(write_key)
    page.get_by_role("button", name="Import the ticked quotes").click()

    outcomes = page.locator("ol.outcomes > li")
    assert outcomes.count() == 2
    stored = []
    for number in range(2):
        link = outcomes.nth(number).get_by_role("link")
        stored.append(api(live_server, f"/v1/quotes/{link.get_attribute('href').rsplit('/', 1)[1]}"))
        assert stored[-1]["text"] == outcomes.nth(number).locator("q").inner_text()
    edited = next(q for q in stored if q["text"].startswith("Russia wants"))
    assert edited["status"] == "unverified"
    page.get_by_role("link", name=f"quote {edited['id']}", exact=True).click()
    assert page.locator("blockquote.quote-body p").inner_text() == edited["text"]

    propose_seed(page)  # the key is remembered in this tab
    assert page.get_by_label("Write key").input_value() == write_key


PAGES = {
    "search": "/?q=denuclearization",
    "quote": None,  # the first search result with a named speaker
    "speaker": None,  # that speaker
    "verify": "/verify?text=Russia+will+be+ready+to+do+everything+to+facilitate&speaker=Vladimir+Putin",
    "extract": None,  # the proposals of a seed article
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_axe_and_is_photographed(checked_page, live_server, name, tmp_path):
    found = api(live_server, "/v1/quotes", q="denuclearization")["items"]
    first = next(quote for quote in found if quote["speaker"])
    own = {"quote": f"/quotes/{first['id']}", "speaker": f"/speakers/{first['speaker']['id']}"}
    path = PAGES[name] or own.get(name)
    shots = Path(os.environ.get("TEST_SCREENSHOTS_DIR") or tmp_path)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        checked_page.set_viewport_size(viewport)
        if name == "extract":
            propose_seed(checked_page)
            checked_page.locator("#quote-1").scroll_into_view_if_needed()
        else:
            checked_page.goto(path)
        checked_page.add_script_tag(path=str(AXE))
        results = checked_page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})"
            for v in results["violations"]
            if v["impact"] in SERIOUS
        ]
        assert serious == [], f"{path} at {size}"
        width = checked_page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways at {size}"
        checked_page.screenshot(path=str(shots / f"{name}-{size}.png"))
