"""Search latency against a live `onrecord serve`, beside the search index alone.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    onrecord reindex                                  # the index of that database
    python bench/search.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

Queries are drawn (seeded) from the stored quotes: one or two words (skipping the 100
most frequent, as an English stop-word list would), quoted phrases, and words typed in
part, some combined with a filter. Each is sent as GET /v1/quotes?q=...&limit=20 (ranked
by relevance, highlighted, the page's records read from PostgreSQL), from one client and
from 8 at once; the baseline runs the same query on the same index (ONRECORD_INDEX_DIR,
as the server finds it) in this process: tantivy alone, the top 21 ids.

Then how soon a write is found (--visibility N, default 100): while another thread
imports new quotes steadily (POST /v1/imports, 1,000 at a time), N quotes are POSTed
one at a time, each with a word of its own, and searched for every 10 ms until found;
the delay from the POST's answer to the first search that finds it, p50/p99/max.
"""

import importlib
import json
import os
import random
import threading
import time
import uuid
from collections import Counter

import requests
from common import ConnectionPerThread, Timing, against_baseline, arguments, corpus, serving
from gen_data import Corpus

from service.config import Settings
from service.quotes.search import index_query
from service.search.index import SearchIndex
from service.search.query import parse

SEED = 7


def queries(database: ConnectionPerThread, count: int) -> list[dict]:
    """Realistic newsroom searches over the stored text."""
    rng = random.Random(SEED)
    sample = "SELECT text FROM quotes TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 2000"
    texts = [row[0] for row in database.fetch(sample)]
    words = [w.strip(".,").lower() for t in texts for w in t.split()]
    frequent = {w for w, _ in Counter(words).most_common(100)}
    ordinary = [w for w in words if w not in frequent and len(w) > 3]
    made = []
    for n in range(count):
        kind = n % 5
        if kind in (0, 1):
            q = rng.choice(ordinary)
        elif kind == 2:
            q = f"{rng.choice(ordinary)} {rng.choice(ordinary)}"
        elif kind == 3:
            start = rng.randrange(len(words) - 2)
            q = f'"{words[start]} {words[start + 1]}"'
        else:
            q = rng.choice(ordinary)[:4]
        args = {"q": q, "limit": 20}
        if n % 4 == 0:
            args["lang"] = "en"
        made.append(args)
    return made


def steady_import(base: str, key: str, stop: threading.Event) -> int:
    """Import new synthetic quotes, 1,000 a request, until `stop`; how many were sent."""
    http, sent, seed = requests.Session(), 0, 1
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {key}"}
    while not stop.is_set():
        lines = "".join(json.dumps(q) + "\n" for q in Corpus(seed).quotes(1000))
        http.post(f"{base}/v1/imports", data=lines.encode(), headers=headers, timeout=300).raise_for_status()
        sent, seed = sent + 1000, seed + 1
    return sent


def visibility(base: str, key: str, count: int) -> Timing:
    """Delays (s) from a POSTed quote's answer to the first search that finds it."""
    http, delays = requests.Session(), []
    started = time.perf_counter()
    for _ in range(count):
        word = f"probe{uuid.uuid4().hex[:12]}"
        body = {
            "text": f"Visibility {word} under a steady import",
            "lang": "en",
            "kind": "direct",
            "speaker_description": "a benchmark",
            "citations": [{"source": {"url": f"https://bench.invalid/{word}"}}],
        }
        headers = {"Authorization": f"Bearer {key}"}
        http.post(f"{base}/v1/quotes", json=body, headers=headers, timeout=60).raise_for_status()
        written = time.perf_counter()
        while not http.get(f"{base}/v1/quotes", params={"q": word}, timeout=60).json()["items"]:
            if time.perf_counter() - written > 60:
                raise SystemExit(f"a quote written was not found in 60 s ({word})")
            time.sleep(0.01)
        delays.append(time.perf_counter() - written)
    return Timing(delays, time.perf_counter() - started)


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--visibility", type=int, default=100, help="writes timed until found (0: none)")
    args = parser.parse_args()

    database, total = corpus(args.database)
    searches = queries(database, args.requests)
    print(f"search over {total:,} quotes, {len(searches)} queries; load average {os.getloadavg()[0]:.2f}")
    http = requests.Session()
    with serving(args.server, args.database) as base:
        index = SearchIndex(Settings().index_dir)

        def get(query: dict) -> None:
            http.get(f"{base}/v1/quotes", params=query, timeout=60).raise_for_status()

        def index_alone(query: dict) -> None:
            searcher, schema = index.searcher(), index.index.schema
            filters = {"lang": [query["lang"]]} if "lang" in query else {}
            hits = searcher.search(index_query(parse(query["q"]), schema, filters), query["limit"] + 1).hits
            searcher.fast_field_values("id", [address for _, address in hits])

        against_baseline(
            "GET /v1/quotes?q=",
            get,
            searches,
            index_alone,
            searches,
            args.clients,
            "the index alone, in-process",
        )
        if args.visibility:
            key = importlib.import_module("import").write_key(args.database)
            stop = threading.Event()
            importer = threading.Thread(target=steady_import, args=(base, key, stop))
            importer.start()
            try:
                delays = visibility(base, key, args.visibility)
            finally:
                stop.set()
                importer.join()
            print(delays.line(f"write -> found, {args.visibility} writes under a steady import"))
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
