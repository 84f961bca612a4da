"""How long until a write is found by search, under a steady import.

    python bench/index_lag.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

While a background client imports batches of new quotes through POST /v1/imports
without pause, a probe client records one new quote at a time and searches for its
unique words (GET /v1/quotes?q="…") every few milliseconds until the search finds it:
that wait is the index's delay. The baseline, measured in the same run, is the point
read of the same new quote (GET /v1/quotes/{id}), which PostgreSQL answers at once.
"""

import json
import os
import threading
import time
import uuid

import requests
from common import Timing, arguments, compare, serving
from sqlalchemy.orm import Session

from service.auth.services import create_key
from service.db import make_engine

POLL_EVERY = 0.005  # seconds
IMPORT_BATCH = 200


def write_key(url: str) -> str:
    """The secret of a new API key with the write scope."""
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            return create_key(session, f"bench-lag-{uuid.uuid4().hex[:8]}", "write")[1]
    finally:
        engine.dispose()


def steady_import(base: str, key: str, stop: threading.Event, counted: list[int]) -> None:
    """Import batches of new quotes until `stop` is set."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    while not stop.is_set():
        batch = "\n".join(
            json.dumps(_quote(f"steady import {uuid.uuid4().hex}")) for _ in range(IMPORT_BATCH)
        )
        requests.post(
            base + "/v1/imports", data=batch.encode(), headers=headers, timeout=60
        ).raise_for_status()
        counted[0] += IMPORT_BATCH


def _quote(words: str) -> dict:
    return {
        "text": words,
        "lang": "en",
        "kind": "direct",
        "speaker_description": "a benchmark",
        "source": {"publisher": "Bench", "title": words},
    }


def probe(base: str, key: str) -> tuple[float, float]:
    """(seconds until search finds a new quote, seconds for a point read of it)."""
    word = "probe" + uuid.uuid4().hex[:12]
    written = requests.post(
        base + "/v1/quotes",
        json=_quote(f"{word} was said"),
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    written.raise_for_status()
    began = time.perf_counter()
    while not requests.get(base + "/v1/quotes", params={"q": word}, timeout=10).json()["items"]:
        time.sleep(POLL_EVERY)
    searched = time.perf_counter() - began
    began = time.perf_counter()
    requests.get(f"{base}/v1/quotes/{written.json()['id']}", timeout=10).raise_for_status()
    return searched, time.perf_counter() - began


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--probes", type=int, default=200)
    args = parser.parse_args()
    key = write_key(args.database)
    with serving(args.server, args.database) as base:
        while requests.get(base + "/ready", timeout=5).json()["search_index"]["status"] != "ready":
            time.sleep(0.5)
        stop, counted = threading.Event(), [0]
        importer = threading.Thread(target=steady_import, args=(base, key, stop, counted))
        importer.start()
        began = time.perf_counter()
        results = [probe(base, key) for _ in range(args.probes)]
        wall = time.perf_counter() - began
        stop.set()
        importer.join()
    print(
        f"load average {os.getloadavg()}; {counted[0]} quotes imported meanwhile ({counted[0] / wall:.0f}/s)"
    )
    compare(
        "write to searchable (index delay)",
        Timing([searched for searched, _ in results], wall),
        Timing([read for _, read in results], wall),
        "point read of the same quote",
    )
    print(f"  max {1000 * max(s for s, _ in results):.1f} ms")


if __name__ == "__main__":
    main()
