"""POST /v1/imports through HTTP: formats, per-line errors, idempotency, modes."""

import base64
import gzip
import json
import random
from datetime import UTC, datetime

import pytest

from service.cli import DEMO_FILE
from service.imports.formats import MAX_LINE_BYTES

NDJSON = "application/x-ndjson"
SOURCE = {"url": "https://news.example.org/imports/1", "publisher": "Example News"}
QUOTE = {
    "text": "Bulk imports must never duplicate a statement.",
    "lang": "en",
    "kind": "direct",
    "speaker": {"name": "Imogen Porter", "aliases": ["I. Porter", "Имоджен Портер"]},
    "said_on": "2024-05-01",
    "topics": ["imports"],
    "translations": [{"lang": "ru", "text": "Массовый импорт не должен дублировать высказывания."}],
    "source": SOURCE,
}
CSV_HEADER = (
    "text,lang,kind,speaker,speaker_aliases,speaker_wikidata_id,speaker_description,said_on,context,"
    "status,topics,source_url,source_title,source_publisher,source_agency,source_published_at,"
    "translation_lang,translation_text"
)


def ndjson(*bodies) -> bytes:
    return "".join(
        (b if isinstance(b, str) else json.dumps(b, ensure_ascii=False)) + "\n" for b in bodies
    ).encode()


def post(client, body: bytes, content_type: str = NDJSON, query: str = "", **headers):
    response = client.post(f"/v1/imports{query}", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def quotes_by(client, speaker: str) -> list[dict]:
    return client.get("/v1/quotes", query_string={"speaker": speaker, "limit": 500}).get_json()["items"]


class TestImportNdjson:
    def test_new_lines_are_created_then_matched_on_a_rerun(self, client):
        body = ndjson(QUOTE, QUOTE | {"text": "A second statement."})
        assert post(client, body) == {"created": 2, "matched": 0, "failed": 0, "errors": []}
        assert post(client, body) == {"created": 0, "matched": 2, "failed": 0, "errors": []}
        quotes = quotes_by(client, "Imogen Porter")
        assert len(quotes) == 2
        assert quotes[0]["speaker"]["aliases"] == ["I. Porter", "Имоджен Портер"]
        assert quotes[0]["translations"][0]["lang"] == "ru"

    def test_reimporting_the_example_file_creates_nothing(self, client):
        report = post(client, DEMO_FILE.read_bytes())
        assert report == {"created": 0, "matched": 46, "failed": 0, "errors": []}

    def test_a_statement_is_matched_by_normalised_text(self, client):
        post(client, ndjson(QUOTE))
        variant = QUOTE | {"text": "  “BULK imports must never   duplicate a statement.”"}
        assert post(client, ndjson(variant))["matched"] == 1
        assert len(quotes_by(client, "Imogen Porter")) == 1

    def test_a_new_source_for_a_known_statement_adds_a_citation(self, client):
        post(client, ndjson(QUOTE))
        second = QUOTE | {"source": {"url": "https://other.example.com/story?utm_source=feed"}}
        assert post(client, ndjson(second))["matched"] == 1
        [quote] = quotes_by(client, "Imogen Porter")
        assert [c["source"]["url"] for c in quote["citations"]] == [
            SOURCE["url"],
            "https://other.example.com/story",
        ]
        assert quote["version"] == 2

    def test_the_same_statement_twice_in_one_batch_is_one_quote(self, client):
        second = QUOTE | {"source": {"title": "Another outlet"}, "topics": ["bulk"]}
        assert post(client, ndjson(QUOTE, second))["created"] == 1
        [quote] = quotes_by(client, "Imogen Porter")
        assert len(quote["citations"]) == 2 and quote["topics"] == ["imports", "bulk"]

    def test_a_source_cited_again_by_url_alone_keeps_what_its_first_citation_said(self, client):
        source = {
            "url": "https://news.example.org/imports/described-once",
            "title": "Described once",
            "authors": ["A. Writer"],
            "published_at": "2024-05-02T10:00:00+00:00",
            "kind": "tweet",
        }
        first = QUOTE | {"text": "Cited with the source's details.", "source": source}
        again = QUOTE | {"text": "Cited by its URL alone.", "source": {"url": source["url"]}}
        assert post(client, ndjson(first, again))["created"] == 2  # one batch
        found = client.get("/v1/sources", query_string={"url": source["url"]}).get_json()["items"]
        assert [(s["title"], s["authors"], s["kind"]) for s in found] == [
            ("Described once", ["A. Writer"], "tweet")
        ]

    def test_a_known_alias_reuses_the_speaker_and_adds_new_spellings(self, client):
        line = QUOTE | {"speaker": {"name": "Yury Ushakov", "aliases": ["Y. V. Ushakov"]}}
        post(client, ndjson(line))
        quotes = quotes_by(client, "Y. V. Ushakov")
        assert len({q["speaker"]["id"] for q in quotes}) == 1 and len(quotes) > 4
        assert "Y. V. Ushakov" in quotes[0]["speaker"]["aliases"]

    def test_unnamed_speakers_are_matched_by_description(self, client):
        line = {k: v for k, v in QUOTE.items() if k != "speaker"} | {"speaker_description": "An official"}
        post(client, ndjson(line))
        assert post(client, ndjson(line | {"speaker_description": "an OFFICIAL"}))["matched"] == 1

    def test_every_change_has_its_history_entry(self, client, app):
        report = post(client, ndjson(QUOTE), query="?batch_size=1")
        assert report["created"] == 1
        from sqlalchemy import text

        from service import db

        with app.test_request_context():
            rows = (
                db.session()
                .execute(text("SELECT record_type, action FROM history ORDER BY id DESC LIMIT 3"))
                .all()
            )
        assert sorted(rows) == [("quote", "create"), ("source", "create"), ("speaker", "create")]

    def test_an_imported_source_has_the_history_entry_the_api_writes(self, client):
        details = {
            "title": "History of a source",
            "publisher": "Example News",
            "agency": "Reuters",
            "authors": ["A. Writer", "Б. Автор"],
            "published_at": "2024-05-01T09:30:15.250000+02:00",
            "lang": "en",
            "kind": "article",
        }
        posted = client.post("/v1/sources", json=details | {"url": "https://news.example.org/history/1"})
        imported_url = "https://news.example.org/history/2"
        report = post(
            client,
            ndjson(QUOTE | {"text": "A sourced statement.", "source": details | {"url": imported_url}}),
        )
        assert report["created"] == 1
        quote = quotes_by(client, "Imogen Porter")[0]
        imported = quote["citations"][0]["source"]["id"]

        def created(source_id: int) -> dict:
            entries = client.get(f"/v1/sources/{source_id}/history").get_json()["items"]
            assert [entry["action"] for entry in entries] == ["create"]
            return entries[0]["changes"]

        assert created(imported) == created(posted.get_json()["id"]) | {"url": imported_url}
        published_at = datetime.fromisoformat(created(imported)["published_at"])
        assert published_at == datetime(2024, 5, 1, 7, 30, 15, 250000, tzinfo=UTC)


class TestLineErrors:
    @pytest.mark.parametrize(
        "line,field",
        [
            ('{"text": "unfinished', "_line"),
            ("[1, 2]", "_line"),
            (json.dumps(QUOTE | {"lang": "english"}), "lang"),
            (json.dumps({k: v for k, v in QUOTE.items() if k != "speaker"}), "speaker"),
            (json.dumps(QUOTE | {"text": "x" * (MAX_LINE_BYTES + 10)}), "_line"),
            (
                json.dumps({k: v for k, v in QUOTE.items() if k != "speaker"} | {"speaker_id": 987654321}),
                "speaker_id",
            ),
            (
                json.dumps(
                    {k: v for k, v in QUOTE.items() if k != "source"}
                    | {"citations": [{"source_id": 987654321}]}
                ),
                "source_id",
            ),
        ],
    )
    def test_a_bad_line_fails_alone_and_good_lines_go_in(self, client, line, field):
        body = ndjson(QUOTE, "", line, QUOTE | {"text": "After the bad line."})
        report = post(client, body)
        assert (report["created"], report["failed"]) == (2, 1)
        [error] = report["errors"]
        assert error["line"] == 3 and field in error["errors"]

    def test_a_name_shared_by_several_speakers_asks_for_an_id(self, client):
        for name in ("Ann Twin", "Ann Twin"):
            client.post("/v1/speakers", json={"name": name})
        report = post(client, ndjson(QUOTE | {"speaker": {"name": "Ann Twin"}}))
        assert "give speaker_id" in report["errors"][0]["errors"]["speaker"][0]

    def test_the_body_may_be_larger_than_one_request(self, client):
        lines = [QUOTE | {"text": f"Statement number {n}.", "context": "c" * 2000} for n in range(600)]
        assert post(client, ndjson(*lines))["created"] == 600


# Lines that once stopped a whole import (a 500, a cut stream, a traceback), each with
# the field its error names and words from the message.
LINES_PYTHON_CANNOT_TAKE = {
    "100,000 nested brackets": ("[" * 100_000 + "]" * 100_000, "_line", "nested"),
    "a 5,000-digit number": (json.dumps(QUOTE)[:-1] + ', "said_on": ' + "9" * 5_000 + "}", "_line", "digits"),
    "a lone surrogate in source.url": (
        json.dumps(QUOTE | {"source": {"url": "https://news.example.org/\ud800"}}),
        "source",
        "surrogate",
    ),
    "a date PostgreSQL stores but Python cannot read": (
        json.dumps(QUOTE | {"source": SOURCE | {"published_at": "9999-12-31T23:59:59-05:00"}}),
        "source",
        "year",
    ),
}


@pytest.mark.parametrize(
    "line,field,words", LINES_PYTHON_CANNOT_TAKE.values(), ids=LINES_PYTHON_CANNOT_TAKE.keys()
)
class TestLinesPythonCannotTake:
    def body(self, line: str) -> bytes:
        return ndjson(QUOTE, line, QUOTE | {"text": "After the bad line."})

    def test_the_json_report_names_the_line_and_what_is_wrong(self, client, line, field, words):
        report = post(client, self.body(line), query="?batch_size=2")
        assert (report["created"], report["failed"], report.get("stopped_at")) == (2, 1, None)
        [error] = report["errors"]
        assert error["line"] == 2 and field in error["errors"] and words in json.dumps(error["errors"])
        assert len(quotes_by(client, "Imogen Porter")) == 2

    def test_the_streamed_report_ends_with_its_final_line(self, client, line, field, words):
        response = client.post(
            "/v1/imports?batch_size=2", data=self.body(line), content_type=NDJSON, headers={"Accept": NDJSON}
        )
        lines = [json.loads(text) for text in response.get_data(as_text=True).splitlines()]
        assert [(o["line"], o["status"]) for o in lines[:3]] == [
            (1, "created"),
            (2, "failed"),
            (3, "created"),
        ]
        assert words in json.dumps(lines[1]["errors"])
        assert lines[3]["report"]["failed"] == 1 and "stopped_at" not in lines[3]["report"]


class TestCsv:
    def test_csv_rows_become_quotes_with_cyrillic_intact(self, client):
        body = (
            f"{CSV_HEADER}\n"
            "Мы готовы помочь.,ru,direct,Юрий Ушаков,Ушаков|Yury Ushakov,,,2019-04-23,told reporters,,"
            "summit|russia,https://example.ru/a,Заголовок,РИА,,2019-04-23T10:00:00Z,en,We are ready to help\n"
            '"Talks, they said, will continue.",en,indirect,,,,an official,,,,,,Briefing,Example Wire,,,,\n'
        )
        assert post(client, body.encode(), "text/csv")["created"] == 2
        [quote] = [q for q in quotes_by(client, "Ushakov") if q["lang"] == "ru"]
        assert quote["text"] == "Мы готовы помочь." and quote["topics"] == ["summit", "russia"]
        assert quote["citations"][0]["source"]["title"] == "Заголовок"
        assert quote["translations"] == [{"lang": "en", "text": "We are ready to help", "translator": None}]

    def test_a_row_of_the_wrong_shape_fails_alone(self, client):
        header = "text,lang,kind,speaker_description,source_title\n"
        body = header + "ok,en,direct,a man,T\nshort,en\n\nok 2,en,direct,a man,T\n"
        report = post(client, body.encode(), "text/csv")
        assert (report["created"], report["failed"]) == (2, 1)
        assert report["errors"][0]["line"] == 3

    def test_an_unclosed_quote_is_reported_where_it_opens_with_what_it_took(self, client):
        header = "text,lang,kind,speaker_description,source_title\n"
        body = (
            header
            + 'ok,en,direct,a man,T\n"never closed,en,direct,a man,T\nok 2,en,direct,a man,T\nok 3,en,x,y,T\n'
        )
        report = post(client, body.encode(), "text/csv")
        assert (report["created"], report["failed"]) == (1, 1)
        [error] = report["errors"]
        assert error["line"] == 3
        assert "lines 3 to 5" in error["errors"]["_line"][0] and "quote" in error["errors"]["_line"][0]

    def test_a_quote_closed_too_late_names_the_lines_it_took(self, client):
        header = "text,lang,kind,speaker_description,source_title\n"
        body = header + '"one,en,direct,a man,T\ntwo,en,direct,a man,"T\nthree,en,direct,a man,T\n'
        report = post(client, body.encode(), "text/csv")
        assert (report["created"], report["failed"]) == (1, 1)
        [error] = report["errors"]
        assert error["line"] == 2 and "lines 2 to 3" in error["errors"]["_line"][0]

    def test_an_unknown_column_is_refused_before_anything_is_read(self, client):
        response = client.post("/v1/imports", data=b"text,lang,kind,colour\n", content_type="text/csv")
        assert response.status_code == 422 and "colour" in response.get_json()["detail"]


class TestModes:
    def test_atomic_mode_writes_nothing_when_a_line_fails(self, client):
        body = ndjson(QUOTE, QUOTE | {"text": "Two.", "lang": "english"})
        report = post(client, body, query="?mode=atomic")
        assert report["created"] == 0 and report["stopped_at"] == 2 and report["failed"] == 1
        assert "mode=atomic" in report["stop_reason"]
        assert quotes_by(client, "Imogen Porter") == []

    def test_atomic_mode_writes_nothing_when_a_line_of_a_later_batch_fails(self, client):
        good = [QUOTE | {"text": f"Checked ahead {n}."} for n in range(4)]
        body = ndjson(*good[:2], QUOTE | {"text": "Bad.", "lang": "english"}, *good[2:])
        report = post(client, body, query="?mode=atomic&batch_size=1")
        assert report["created"] == 0 and report["stopped_at"] == 3 and report["failed"] == 1
        assert quotes_by(client, "Imogen Porter") == []

    def test_atomic_mode_writes_everything_when_every_line_is_good(self, client):
        assert post(client, ndjson(QUOTE), query="?mode=atomic&batch_size=1")["created"] == 1

    def test_dry_run_reports_and_writes_nothing(self, client):
        report = post(client, ndjson(QUOTE, "{"), query="?dry_run=true")
        assert (report["created"], report["failed"]) == (1, 1)
        assert quotes_by(client, "Imogen Porter") == []

    @pytest.mark.parametrize("query", ["?mode=all", "?batch_size=0", "?batch_size=100001", "?dry_run=maybe"])
    def test_invalid_options_are_422(self, client, query):
        response = client.post(f"/v1/imports{query}", data=ndjson(QUOTE), content_type=NDJSON)
        assert response.status_code == 422

    def test_other_body_types_are_415(self, client):
        response = client.post("/v1/imports", json=QUOTE)
        assert response.status_code == 415 and "text/csv" in response.get_json()["detail"]


class TestContentEncoding:
    def test_a_gzipped_body_is_decompressed(self, client):
        body = gzip.compress(ndjson(QUOTE, QUOTE | {"text": "Compressed."}))
        assert post(client, body, **{"Content-Encoding": "gzip"})["created"] == 2
        csv_body = gzip.compress(
            b"text,lang,kind,speaker_description,source_title\nZipped,en,direct,a man,T\n"
        )
        assert post(client, csv_body, "text/csv", **{"Content-Encoding": "gzip"})["created"] == 1

    def test_a_gzipped_line_over_the_limit_fails_alone(self, client):
        long = json.dumps(QUOTE | {"text": "x" * (MAX_LINE_BYTES + 10)})
        report = post(client, gzip.compress(ndjson(QUOTE, long, QUOTE)), **{"Content-Encoding": "gzip"})
        assert (report["created"], report["matched"], report["failed"]) == (1, 1, 1)

    def test_a_truncated_gzip_body_says_where_it_stopped(self, client):
        lines = [QUOTE | {"text": f"Statement {n} of a long file, {'a' * n}."} for n in range(400)]
        body = gzip.compress(ndjson(*lines))
        report = post(
            client, body[: len(body) * 3 // 4], query="?batch_size=10", **{"Content-Encoding": "gzip"}
        )
        assert report["failed"] == 0 and 0 < report["created"] == report["stopped_at"] - 1 < 400
        assert report["stop_reason"].startswith("Not valid gzip from this line on")

    def test_a_gzipped_body_cut_inside_a_line_over_the_limit_says_where_it_stopped(self, client):
        noise = base64.b64encode(random.Random(5).randbytes(MAX_LINE_BYTES)).decode()  # compresses little
        body = gzip.compress(ndjson(QUOTE, json.dumps(QUOTE | {"text": noise}), QUOTE))
        report = post(
            client, body[: len(body) * 9 // 10], **{"Content-Encoding": "gzip"}
        )  # past its first MiB
        assert (report["created"], report["stopped_at"]) == (1, 2), report
        assert report["stop_reason"].startswith("Not valid gzip from this line on")

    def test_the_streamed_report_of_a_truncated_body_ends_saying_where_it_stopped(self, client):
        body = gzip.compress(ndjson(*[QUOTE | {"text": f"Line {n}: {'b' * n}."} for n in range(400)]))
        response = client.post(
            "/v1/imports?batch_size=10",
            data=body[: len(body) // 2],
            content_type=NDJSON,
            headers={"Accept": NDJSON, "Content-Encoding": "gzip"},
        )
        *outcomes, last = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
        assert [o["line"] for o in outcomes] == list(range(1, len(outcomes) + 1))
        assert last["report"]["stopped_at"] == len(outcomes) + 1 and last["report"]["created"] == len(
            outcomes
        )

    def test_other_encodings_are_415(self, client):
        response = client.post(
            "/v1/imports", data=ndjson(QUOTE), content_type=NDJSON, headers={"Content-Encoding": "br"}
        )
        assert response.status_code == 415 and "gzip" in response.get_json()["detail"]


class TestIdempotencyKey:
    def test_the_same_key_and_body_replay_the_report(self, client):
        first = post(client, ndjson(QUOTE), **{"Idempotency-Key": "run-1"})
        again = client.post(
            "/v1/imports", data=ndjson(QUOTE), content_type=NDJSON, headers={"Idempotency-Key": "run-1"}
        )
        assert first["created"] == 1 and again.get_json() == first
        assert again.headers["Idempotent-Replayed"] == "true"

    def test_the_same_key_with_another_body_is_422(self, client):
        post(client, ndjson(QUOTE), **{"Idempotency-Key": "run-2"})
        response = client.post(
            "/v1/imports",
            data=ndjson(QUOTE, QUOTE),
            content_type=NDJSON,
            headers={"Idempotency-Key": "run-2"},
        )
        assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["errors"]

    def test_an_idempotency_key_is_scoped_to_its_api_key(self, client, keys):
        first = post(client, ndjson(QUOTE), **{"Idempotency-Key": "shared-name"})
        other = client.post(
            "/v1/imports",
            data=ndjson(QUOTE),
            content_type=NDJSON,
            headers={"Idempotency-Key": "shared-name", "Authorization": f"Bearer {keys['admin']}"},
        )
        assert first["created"] == 1
        assert other.status_code == 200 and "Idempotent-Replayed" not in other.headers
        assert other.get_json()["matched"] == 1  # its own run, not the other key's report


class TestStreamedReport:
    def test_accept_ndjson_streams_each_lines_outcome_then_the_report(self, client):
        response = client.post(
            "/v1/imports", data=ndjson(QUOTE, "nope", QUOTE), content_type=NDJSON, headers={"Accept": NDJSON}
        )
        assert response.mimetype == NDJSON
        lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
        assert [(o["line"], o["status"]) for o in lines[:3]] == [
            (1, "created"),
            (2, "failed"),
            (3, "matched"),
        ]
        assert lines[0]["id"] == lines[2]["id"]
        assert lines[3]["report"] | {"errors": []} == {"created": 1, "matched": 1, "failed": 1, "errors": []}
