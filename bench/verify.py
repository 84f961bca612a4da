"""Verify latency and recall against a live `onrecord serve`, beside its candidate
search on the index alone.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    onrecord reindex                                  # the index of that database
    python bench/verify.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

400 phrases are drawn (seeded) from stored quotes, 8 to 15 consecutive words each, a
hundred of each kind: verbatim; one word swapped for another word of the corpus; one
word inside the phrase dropped; "not" inserted inside it. Each is POSTed to /v1/verify
(no speaker claimed), from one client and from 8 at once, then sent as GETs by
wrk at 64 connections for --duration seconds (needs `wrk`: apt-get install wrk).
Recall@1 is the share whose best match is the quote the phrase
came from, with the right verdict: `verified` for the verbatim ones, `altered` for the
others. The baseline runs verify's candidate query for the same phrase on the same
index (where the server finds it) in this process: tantivy alone.
"""

import os
import random
from urllib.parse import urlencode

import requests
from common import ConnectionPerThread, against_baseline, arguments, corpus, serving

from service.config import Settings
from service.search.index import SearchIndex
from service.verify.services import CANDIDATES, candidates_query

SEED = 11
KINDS = ("verbatim", "swapped", "dropped", "negated")
VERDICT = {"verbatim": "verified", "swapped": "altered", "dropped": "altered", "negated": "altered"}


def phrases(database: ConnectionPerThread, count: int) -> list[tuple[str, int, str]]:
    """(phrase, id of the quote it came from, kind) for `count` phrases, the kinds in turn."""
    rng = random.Random(SEED)
    sample = "SELECT id, text FROM quotes TABLESAMPLE SYSTEM (1) REPEATABLE (11) WHERE lang = 'en' LIMIT 1000"
    rows = [row for row in database.fetch(sample) if len(row[1].split()) >= 16]
    vocabulary = sorted({w for _, text in rows for w in text.lower().strip(".").split()})
    made = []
    for n in range(count):
        quote_id, text = rng.choice(rows)
        words = text.split()
        start = rng.randrange(len(words) - 15)
        excerpt = words[start : start + rng.randint(8, 15)]
        kind = KINDS[n % len(KINDS)]
        inside = rng.randrange(1, len(excerpt) - 1)
        if kind == "swapped":
            excerpt[rng.randrange(len(excerpt))] = rng.choice(vocabulary)
        elif kind == "dropped":
            del excerpt[inside]
        elif kind == "negated":
            excerpt.insert(inside, "not")
        made.append((" ".join(excerpt), quote_id, kind))
    return made


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--phrases", type=int, default=400)
    parser.add_argument("--duration", type=int, default=30, help="seconds of the wrk run")
    parser.add_argument("--connections", type=int, default=64, help="connections of the wrk run")
    args = parser.parse_args()

    database, total = corpus(args.database)
    claims = phrases(database, args.phrases)
    print(
        f"verify over {total:,} quotes, {len(claims)} phrases ({', '.join(KINDS)} in turn); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    http = requests.Session()
    answers: dict[str, tuple[int | None, str]] = {}
    with serving(args.server, args.database) as base:
        index = SearchIndex(lambda: Settings().index_dir_for(args.database))

        def post(claim: tuple[str, int, str]) -> None:
            response = http.post(f"{base}/v1/verify", json={"text": claim[0]}, timeout=60)
            response.raise_for_status()
            body = response.json()
            answers[claim[0]] = (
                body["matches"][0]["quote"]["id"] if body["matches"] else None,
                body["verdict"],
            )

        def candidates_alone(claim: tuple[str, int, str]) -> None:
            searcher = index.searcher()
            query = candidates_query(searcher, index.schema, claim[0])
            hits = searcher.search(query, CANDIDATES, count=False).hits
            searcher.fast_field_values("id", [address for _, address in hits])

        against_baseline(
            "POST /v1/verify",
            post,
            claims,
            candidates_alone,
            claims,
            args.clients,
            "candidates on the index alone",
        )
        from load import wrk  # load.py imports this module's phrases

        paths = [f"/v1/verify?{urlencode({'text': text})}" for text, _, _ in claims]
        loaded = wrk(base, paths, args.duration, args.connections, 2)
        print(f"{'wrk':<24} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>8}")
        print(loaded.line(f"GET /v1/verify x{args.connections}"))
    for kind in KINDS:
        group = [c for c in claims if c[2] == kind]
        hits = sum(answers.get(text) == (quote_id, VERDICT[kind]) for text, quote_id, _ in group)
        print(f"recall@1 {kind:<9} ({VERDICT[kind]}) {hits}/{len(group)}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
