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
(How soon a write is found under a steady import: bench/index_lag.py.)
"""

import os
import random
from collections import Counter

import requests
from common import ConnectionPerThread, against_baseline, arguments, corpus, serving

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


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    database, total = corpus(args.database)
    searches = queries(database, args.requests)
    print(f"search over {total:,} quotes, {len(searches)} queries; load average {os.getloadavg()[0]:.2f}")
    http = requests.Session()
    with serving(args.server, args.database) as base:
        index = SearchIndex(lambda: Settings().index_dir_for(args.database))
        print(f"the index: {index.searcher().num_segments} segments")  # each costs every search

        def get(query: dict) -> None:
            http.get(f"{base}/v1/quotes", params=query, timeout=60).raise_for_status()

        def index_alone(query: dict) -> None:
            searcher, schema = index.searcher(), index.schema
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
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
