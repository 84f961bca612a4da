"""Clients recording quotes at the same instant, through a live `onrecord serve`."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import new_key
from tests.imports.conftest import count
from tests.test_cli import Serving, environment

CLIENTS = 8
ROUNDS = 5
RACES = 20


@pytest.mark.parametrize("shared_speaker", [True, False], ids=["same speaker", "own speakers"])
def test_the_same_new_speaker_and_source_are_created_once(fresh_database, shared_speaker):
    """Every round, eight clients post different statements citing one new source, and
    naming one new speaker (each spelling it its own way) or each their own: all eight
    succeed, and each new speaker and source exists once, with one history entry."""
    headers = {"Authorization": f"Bearer {new_key(fresh_database)}"}
    server = Serving(environment(DATABASE_URL=fresh_database, ONRECORD_WORKERS="2"))
    start = threading.Barrier(CLIENTS)

    def post(round_: int, client: int) -> requests.Response:
        spelling = [f"Speaker {round_}", f"SPEAKER  {round_}", f"speaker {round_}"][client % 3]
        if not shared_speaker:
            spelling = f"Speaker {round_}-{client}"
        body = {
            "text": f"Statement {client} of round {round_}.",
            "lang": "en",
            "kind": "direct",
            "speaker": {"name": spelling},
            "source": {"url": f"https://example.org/round/{round_}?utm_source=client{client}"},
        }
        start.wait(timeout=30)
        return requests.post(f"{server.base}/v1/quotes", json=body, headers=headers, timeout=30)

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            for round_ in range(ROUNDS):
                answers = list(pool.map(post, [round_] * CLIENTS, range(CLIENTS)))
                assert [a.status_code for a in answers] == [201] * CLIENTS, [a.text for a in answers]
                speakers = {a.json()["speaker"]["id"] for a in answers}
                assert len(speakers) == (1 if shared_speaker else CLIENTS)
                assert len({a.json()["citations"][0]["source"]["id"] for a in answers}) == 1
    finally:
        server.stop()
    speakers = ROUNDS if shared_speaker else ROUNDS * CLIENTS
    assert count(fresh_database, "speakers") == speakers
    assert count(fresh_database, "sources") == ROUNDS
    assert count(fresh_database, "history WHERE record_type IN ('speaker', 'source')") == speakers + ROUNDS


@pytest.mark.parametrize("speaker", ["named", "unnamed"])
def test_one_new_statement_posted_from_eight_outlets_at_once_keeps_every_citation(fresh_database, speaker):
    """Twenty times, eight clients post the same new statement at once, each citing its
    own outlet: every post succeeds (one creates the quote, the others add to it), and
    the quote keeps all eight citations."""
    headers = {"Authorization": f"Bearer {new_key(fresh_database)}"}
    server = Serving(environment(DATABASE_URL=fresh_database, ONRECORD_WORKERS="2"))
    start = threading.Barrier(CLIENTS)
    who = (
        {"speaker": {"name": "Outlet Speaker"}} if speaker == "named" else {"speaker_description": "an aide"}
    )

    def post(round_: int, client: int) -> requests.Response:
        body = {
            "text": f"One statement, round {round_}.",
            "lang": "en",
            "kind": "direct",
            "source": {"url": f"https://outlet{client}.example.org/round/{round_}"},
        } | who
        start.wait(timeout=30)
        return requests.post(f"{server.base}/v1/quotes", json=body, headers=headers, timeout=30)

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            for round_ in range(RACES):
                answers = list(pool.map(post, [round_] * CLIENTS, range(CLIENTS)))
                statuses = sorted(a.status_code for a in answers)
                assert statuses == [200] * (CLIENTS - 1) + [201], [a.text for a in answers]
                assert len({a.json()["id"] for a in answers}) == 1
                quote = requests.get(f"{server.base}/v1/quotes/{answers[0].json()['id']}", timeout=30).json()
                assert len(quote["citations"]) == CLIENTS
    finally:
        server.stop()
    assert count(fresh_database, "quotes") == RACES
    assert count(fresh_database, "citations") == RACES * CLIENTS
