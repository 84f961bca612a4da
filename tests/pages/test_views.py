"""The pages through HTTP against real PostgreSQL: they show what the API returns, escape
everything a record can hold, redirect merged records and refuse forged forms."""

import re

import pytest
from sqlalchemy import update

from service.app import create_app
from service.config import Settings
from service.sources.models import Source
from tests.quotes.test_views import QUOTE, post

HOSTILE = "<script>alert('x')</script> \u202egnp.exe denuclearization <mark>loose & 1 < 2 \"quoted\""
JAVASCRIPT_URL = "javascript:alert(document.cookie)"


def page(client, path: str, status: int = 200, **params) -> str:
    response = client.get(path, query_string=params or None)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def quote_links(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<p class="quote-text"><a href="/quotes/(\d+)"', html)]


def hostile_quote(client) -> dict:
    return post(
        client,
        QUOTE
        | {
            "text": HOSTILE,
            "speaker": {"name": "Mallory \u202eyrollam"},
            "speaker_role": "<img src=x onerror=alert(1)>",
            "status": "disputed",
            "status_note": "<b>denied</b>",
        },
    )


def set_source_url(app, source_id: int, url: str) -> None:
    """A stored URL the API would refuse today (data from before its checks, say)."""
    with app.app_context():
        session = app.extensions["db"].new_session()
        session.execute(update(Source).where(Source.id == source_id).values(url=url))
        session.commit()


class TestSearchPage:
    @pytest.mark.parametrize(
        "params",
        [{"q": "denuclearization"}, {"speaker": "Ushakov"}, {"lang": "ru"}, {"q": "Putin", "kind": "direct"}],
    )
    def test_search_page_lists_the_quotes_the_api_returns(self, client, params):
        default_sort = {} if "q" in params else {"sort": "-said_on"}
        api = client.get("/v1/quotes", query_string=params | default_sort).get_json()
        assert quote_links(page(client, "/", **params)) == [q["id"] for q in api["items"]]

    def test_search_page_takes_a_language_by_name(self, client):
        api = client.get("/v1/quotes", query_string={"lang": "ru", "sort": "-said_on"}).get_json()
        assert api["items"]
        assert quote_links(page(client, "/", lang="Russian")) == [q["id"] for q in api["items"]]

    def test_search_page_follows_the_api_cursor(self, client):
        first = page(client, "/", limit="5")
        next_url = re.search(r'<a href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
        api = client.get("/v1/quotes", query_string={"limit": 10, "sort": "-said_on"}).get_json()
        assert next_url.startswith("/?")
        second = page(client, next_url)
        assert quote_links(first) + quote_links(second) == [q["id"] for q in api["items"]]

    def test_search_page_links_the_export_with_the_same_filters(self, client):
        html = page(client, "/", q="Putin", lang="en", kind="")
        assert 'href="/v1/export?q=Putin&amp;lang=en&amp;format=csv"' in html
        assert 'href="/v1/export?q=Putin&amp;lang=en&amp;format=ndjson"' in html

    def test_search_page_explains_a_bad_filter(self, client):
        html = page(client, "/", status=400, said_from="24 April")
        assert 'id="said_from-error"' in html and "Not a valid date." in html

    def test_search_page_escapes_the_quote_and_keeps_only_the_highlight(self, client):
        quote = hostile_quote(client)
        html = page(client, "/", q="denuclearization gnp")
        item = html[html.index(f'href="/quotes/{quote["id"]}"') :].split("</li>")[0]
        assert "<script>" not in item and "<img" not in item and "<b>" not in item
        assert "&amp; 1 &lt; 2 &#34;quoted" in item and "<mark>denuclearization</mark>" in item
        assert item.count("<mark>") == item.count("</mark>")
        assert '<span lang="en" dir="auto">' in item  # an RTL override stays inside its own element


class TestQuotePage:
    def test_quote_page_shows_the_record_as_the_api_returns_it(self, client):
        quote = post(client, QUOTE)
        html = page(client, f"/quotes/{quote['id']}")
        assert (
            '<p lang="en" dir="auto">This meeting is important for Russian international prestige.</p>'
            in html
        )
        assert '<q lang="ru" dir="auto">Эта встреча важна.</q>' in html
        assert f'href="/speakers/{quote["speaker"]["id"]}"' in html
        assert "a professor" in html and "23 April 2019" in html and "told reporters" in html
        assert html.count('class="citation"') == len(quote["citations"])
        assert "OnRecord quote" in html and "recorded" in html  # cite-this block, history

    def test_quote_page_puts_a_retraction_first(self, client):
        quote = post(client, QUOTE)
        client.delete_current(f"/v1/quotes/{quote['id']}?note=Wrong%20speaker")
        html = page(client, f"/quotes/{quote['id']}")
        main = html[html.index("<main") :]
        assert main.index("This quote is retracted") < main.index("<blockquote")
        assert "Wrong speaker" in main and "retracted" in main[main.index("History") :]

    def test_quote_page_escapes_everything_and_links_only_web_addresses(self, client, app):
        quote = hostile_quote(client)
        set_source_url(app, quote["citations"][0]["source"]["id"], JAVASCRIPT_URL)
        html = page(client, f"/quotes/{quote['id']}")
        assert "<script>" not in html.replace('<script src="/static/pages/pages.js" defer></script>', "")
        assert "<img" not in html and "<b>denied" not in html and "<mark>" not in html
        assert 'href="javascript:' not in html.lower() and f'<code dir="ltr">{JAVASCRIPT_URL}</code>' in html
        assert "This quote is disputed" in html and "&lt;b&gt;denied&lt;/b&gt;" in html

    def test_quote_page_sends_a_strict_content_security_policy(self, client):
        response = client.get("/quotes/1")
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"

    def test_quote_page_of_an_unknown_quote_is_a_page_too(self, client):
        html = page(client, "/quotes/999999999", status=404)
        assert "No quote with id 999999999." in html

    def test_merged_quote_page_redirects_to_the_survivor(self, client):
        kept = post(client, QUOTE)
        twin = post(client, QUOTE | {"speaker": {"name": "Testy Speakerson"}})
        merge = {"into": kept["speaker"]["id"]}
        assert client.post(f"/v1/speakers/{twin['speaker']['id']}/merge", json=merge).status_code == 200
        response = client.get(f"/quotes/{twin['id']}")
        assert response.status_code == 308 and response.headers["Location"] == f"/quotes/{kept['id']}"


class TestSpeakerPage:
    def test_speaker_page_lists_their_quotes_newest_first(self, client):
        speaker = client.get("/v1/speakers", query_string={"q": "Ushakov", "limit": 1}).get_json()["items"][0]
        html = page(client, f"/speakers/{speaker['id']}")
        assert "Юрий Ушаков" in html and "(Cyrillic)" in html
        api = client.get("/v1/quotes", query_string={"speaker": speaker["id"], "sort": "-said_on"}).get_json()
        assert quote_links(html) == [q["id"] for q in api["items"]]

    def test_speaker_page_searches_their_quotes(self, client):
        speaker = client.get("/v1/speakers", query_string={"q": "Ushakov", "limit": 1}).get_json()["items"][0]
        query = {"speaker": speaker["id"], "q": "Vladivostok", "sort": "-said_on"}
        api = client.get("/v1/quotes", query_string=query).get_json()
        html = page(client, f"/speakers/{speaker['id']}", q="Vladivostok")
        assert api["items"] and quote_links(html) == [q["id"] for q in api["items"]]

    def test_merged_speaker_page_redirects_to_the_survivor(self, client):
        kept = post(client, QUOTE)["speaker"]["id"]
        duplicate = client.post("/v1/speakers", json={"name": "Testy Speakerson"}).get_json()["id"]
        assert client.post(f"/v1/speakers/{duplicate}/merge", json={"into": kept}).status_code == 200
        response = client.get(f"/speakers/{duplicate}?q=meeting")
        assert response.status_code == 308 and response.headers["Location"] == f"/speakers/{kept}?q=meeting"


class TestVerifyPage:
    CLAIM = "Russia will be ready to do everything to facilitate ... denuclearization"

    def test_verify_page_names_who_really_said_it(self, client):
        claim = {"text": self.CLAIM, "speaker": "Vladimir Putin"}
        api = client.get("/v1/verify", query_string=claim).get_json()
        html = page(client, "/verify", **claim)
        assert api["verdict"] == "misattributed" and "Misattributed: someone else said this" in html
        assert api["summary"] in html
        best = api["matches"][0]["quote"]
        assert f'href="/speakers/{best["speaker"]["id"]}"' in html and f'href="/quotes/{best["id"]}"' in html

    def test_verify_page_marks_the_words_that_differ(self, client):
        recorded = post(client, QUOTE)["text"]
        html = page(client, "/verify", text=recorded.replace("important", "vital"))
        assert "Altered" in html
        claimed = r"<del><span[^>]*>claimed: </span>vital</del>"
        recorded = r"<ins><span[^>]*>on record: </span>important</ins>"
        assert re.search(claimed + r"\s*" + recorded, html)

    def test_verify_page_asks_for_the_words(self, client):
        assert "Did they really say that?" in page(client, "/verify")
        assert "Missing data" in page(client, "/verify", status=400, speaker="Putin")


def test_pages_are_off_when_reads_need_a_key(client, app):
    app.config["PUBLIC_READS"] = False
    try:
        assert "the pages are off" in page(client, "/", status=403)
    finally:
        app.config["PUBLIC_READS"] = True


@pytest.mark.parametrize(("public_url", "secure"), [(None, False), ("https://quotes.example.org", True)])
def test_the_session_cookie_is_secure_when_published_over_https(database_url, index_dir, public_url, secure):
    settings = Settings(rate_limit="1000000 per second", index_dir=index_dir, public_url=public_url)
    response = create_app(settings, database_url=database_url).test_client().get("/extract")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("onrecord_session=") and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure
