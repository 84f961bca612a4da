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
