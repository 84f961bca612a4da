"""Search latency against a live `onrecord serve`, beside the bare SQL of the same query.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/search.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

Queries are drawn (seeded) from the stored quotes: one or two words (skipping the 100
most frequent, as an English stop-word list would), quoted phrases, and words typed in
part, some combined with a filter. Each is sent as GET /v1/quotes?q=...&limit=20, from
one client and from 8 at once; the baseline runs the service's own SQL for the same
query (compiled from its query builder) straight through psycopg.
"""

import random
from collections import Counter

import requests
from common import ConnectionPerThread, against_baseline, arguments, bare_sql, corpus, serving

from service.pagination import page_statement
from service.quotes.services import quote_listing

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
    statements = [bare_sql(page_statement(quote_listing(q), q["limit"])) for q in searches]
    print(f"search over {total:,} quotes, {len(searches)} queries")
    http = requests.Session()
    with serving(args.server, args.database) as base:

        def get(query: dict) -> None:
            http.get(f"{base}/v1/quotes", params=query, timeout=60).raise_for_status()

        against_baseline("GET /v1/quotes?q=", get, searches, database.fetch, statements, args.clients)


if __name__ == "__main__":
    main()
