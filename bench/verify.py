"""Verify latency and recall against a live `onrecord serve`, beside the bare SQL of
its candidate query.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # once
    python bench/verify.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

200 phrases are drawn (seeded) from stored quotes, 8 to 15 consecutive words each:
half verbatim, half with one word swapped for another word of the corpus. Each is
POSTed to /v1/verify; recall@1 is the share whose best match is the quote the phrase
came from. The baseline runs the candidate query the service builds for the same
phrase straight through psycopg.
"""

import random

import requests
from common import ConnectionPerThread, against_baseline, arguments, bare_sql, corpus, serving
from sqlalchemy.orm import Session

from service.db import make_engine
from service.verify.services import candidates_statement

SEED = 11


def phrases(database: ConnectionPerThread, count: int) -> list[tuple[str, int, bool]]:
    """(phrase, id of the quote it came from, altered?) for `count` phrases."""
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
        altered = n % 2 == 1
        if altered:
            excerpt[rng.randrange(len(excerpt))] = rng.choice(vocabulary)
        made.append((" ".join(excerpt), quote_id, altered))
    return made


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--phrases", type=int, default=200)
    args = parser.parse_args()

    database, total = corpus(args.database)
    claims = phrases(database, args.phrases)
    with Session(make_engine(args.database)) as session:
        statements = [bare_sql(candidates_statement(session, text)) for text, _, _ in claims]
    print(f"verify over {total:,} quotes, {len(claims)} phrases (half with one word swapped)")
    http = requests.Session()
    best: dict[str, int | None] = {}
    with serving(args.server, args.database) as base:

        def post(claim: tuple[str, int, bool]) -> None:
            response = http.post(f"{base}/v1/verify", json={"text": claim[0]}, timeout=60)
            response.raise_for_status()
            matches = response.json()["matches"]
            best[claim[0]] = matches[0]["quote"]["id"] if matches else None

        against_baseline("POST /v1/verify", post, claims, database.fetch, statements, args.clients)
    for altered, label in ((False, "verbatim"), (True, "one word swapped")):
        group = [c for c in claims if c[2] == altered]
        hits = sum(best.get(text) == quote_id for text, quote_id, _ in group)
        print(f"recall@1 {label:<17} {hits}/{len(group)} = {hits / len(group):.3f}")


if __name__ == "__main__":
    main()
