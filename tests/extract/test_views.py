"""POST /v1/extract through HTTP: plain text, HTML and JSON in; import records out."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent.parent / "shared" / "seeds"
NDJSON = "application/x-ndjson"
ARTICLE = (
    "Kremlin aide Yury Ushakov spoke on Tuesday.\n\n"
    '"Russia intends to help in any way possible to cement that positive trend," Ushakov told reporters.\n\n'
    'Jane Roe, a professor at the University of Nowhere, said the summit was "a first step". '
    '"Nobody expects a deal this week," she said.\n'
)


def extract(client, body, content_type="text/plain", status=200, **kwargs):
    response = client.post("/v1/extract", data=body, content_type=content_type, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


class TestExtract:
    def test_extract_text_proposes_import_records(self, client):
        proposals = extract(client, ARTICLE).get_json()
        by_text = {p["text"]: p for p in proposals}
        ushakov = by_text["Russia intends to help in any way possible to cement that positive trend,"]
        assert ushakov["speaker"]["name"] == "Yuri Ushakov"  # the stored speaker, by alias
        assert ushakov["kind"] == "direct"
        note = ushakov["extraction"]
        assert ARTICLE[note["start"] : note["end"]] == ushakov["text"]
        assert (note["cue"], note["speaker_resolution"]) == ("told reporters", "surname")
        assert by_text["a first step"]["kind"] == "partial"
        assert by_text["a first step"]["speaker"] == {"name": "Jane Roe", "kind": "person"}
        assert by_text["Nobody expects a deal this week,"]["extraction"]["speaker_resolution"] == "pronoun"
        assert by_text["Nobody expects a deal this week,"]["speaker"]["name"] == "Jane Roe"

    def test_extract_answers_ndjson_that_the_import_stores(self, client):
        lines = extract(client, ARTICLE, headers={"Accept": NDJSON}).get_data(as_text=True)
        assert len(lines.splitlines()) == 3
        report = client.post("/v1/imports", data=lines, content_type=NDJSON).get_json()
        assert (report["created"], report["failed"]) == (3, 0), report

    def test_extract_with_import_stores_once(self, client):
        first = extract(client, ARTICLE, query_string={"import": "true"}).get_json()
        assert {p["extraction"]["imported"]["status"] for p in first} == {"created"}
        again = extract(client, ARTICLE, query_string={"import": "true"}).get_json()
        assert {p["extraction"]["imported"]["status"] for p in again} == {"matched"}

    def test_extract_import_needs_the_write_scope(self, client, keys):
        headers = {"Authorization": f"Bearer {keys['read']}"}
        extract(client, ARTICLE, headers=headers)
        response = extract(client, ARTICLE, status=403, headers=headers, query_string={"import": "true"})
        assert response.mimetype == "application/problem+json"

    def test_extract_reported_speech_is_indirect_with_a_lower_confidence(self, client):
        article = (
            "Kremlin aide Yury Ushakov spoke on Tuesday. Ushakov said that the meeting will be one on one."
        )
        (proposal,) = extract(client, article).get_json()
        assert (proposal["kind"], proposal["text"]) == ("indirect", "the meeting will be one on one")
        assert proposal["speaker"]["name"] == "Yuri Ushakov"
        assert proposal["extraction"]["confidence"] < 0.75

    def test_extract_russian_quotes_with_guillemets_and_a_dash(self, client):
        article = (
            "Пресс-секретарь президента Дмитрий Песков прокомментировал встречу.\n"
            "«Мы готовы сделать всё, чтобы помочь процессу денуклеаризации», — сказал Песков журналистам.\n"
            "«Это только первый шаг», — заявил он."
        )
        proposals = extract(
            client, json.dumps({"text": article, "lang": "ru"}), "application/json"
        ).get_json()
        assert [(p["lang"], p["kind"], p["speaker"]["name"]) for p in proposals] == [
            ("ru", "direct", "Dmitry Peskov"),
            ("ru", "direct", "Dmitry Peskov"),
        ]
        assert proposals[0]["text"] == "Мы готовы сделать всё, чтобы помочь процессу денуклеаризации"

    def test_extract_leaves_scare_quotes_and_titles_out(self, client):
        article = (
            'The party renamed its account "factcheckUK" during the debate. '
            'Teachers played "We\'re Not Gonna Take It" from the steps.'
        )
        assert extract(client, article).get_json() == []

    def test_extract_html_reads_main_text_and_metadata(self, client):
        html = (
            "<html><head><title>Summit | Example Times</title>"
            '<meta property="og:site_name" content="Example Times">'
            '<link rel="canonical" href="https://news.example.com/summit">'
            '<meta property="article:published_time" content="2019-04-24T10:00:00Z"></head>'
            "<body><nav>Home News Sport</nav><article><h1>Summit</h1>"
            + "".join(f"<p>{line}</p>" for line in ARTICLE.split("\n\n"))
            + "</article></body></html>"
        )
        proposals = extract(client, html.encode(), "text/html").get_json()
        source = proposals[0]["citations"][0]["source"]
        assert source["url"] == "https://news.example.com/summit"
        assert source["publisher"] == "Example Times"
        assert len(proposals) == 3

    def test_extract_json_given_metadata_wins(self, client):
        body = {"text": ARTICLE, "url": "https://example.org/a", "publisher": "Wire", "lang": "en"}
        proposals = extract(client, json.dumps(body), "application/json").get_json()
        assert proposals[0]["citations"][0]["source"]["url"] == "https://example.org/a"
        assert proposals[0]["citations"][0]["source"]["publisher"] == "Wire"


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "content_type", "status"),
        [
            ("", "text/plain", 422),
            ("  \n ", "text/plain", 422),
            ("caf\xe9".encode("latin-1"), "text/plain", 422),
            ("<html><body><nav>Menu</nav><script>x()</script></body></html>", "text/html", 422),
            ("{}", "application/json", 422),
            ('{"text": ""}', "application/json", 422),
            ("[1]", "application/json", 400),
            ("hello", "application/pdf", 415),
        ],
    )
    def test_extract_bad_input_is_a_problem(self, client, body, content_type, status):
        response = extract(client, body, content_type, status=status)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"]

    def test_extract_over_the_size_limit_is_413(self, client):
        response = extract(client, "word " * 300_000, status=413)
        assert response.mimetype == "application/problem+json"

    def test_extract_not_utf8_says_so(self, client):
        detail = extract(client, b"caf\xe9 au lait", status=422).get_json()["detail"]
        assert "not utf-8" in detail.casefold() and "0xe9" in detail
