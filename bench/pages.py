"""The search page against the API it renders: the same searches sent as `GET /?q=...`
(HTML) and as `GET /v1/quotes?q=...` (JSON), to one live `onrecord serve`.

    python bench/gen_data.py --quotes 100000 --load $DATABASE_URL   # once
    python bench/pages.py --database $DATABASE_URL   # starts `onrecord serve` on it (or --server URL)

The searches are bench/search.py's (seeded from the stored quotes), at the API's default
page size. The page runs the same query and renders it: the baseline is the API, and the
ratio says what rendering HTML adds. Each run is timed twice in turn (API, page, API,
page) from one client and from several; the load average is printed with every figure.
"""

import os

import requests
from common import Timing, arguments, corpus, run, serving
from search import queries


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = arguments(__doc__, clients=4)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    database, total = corpus(args.database)
    searches = [{k: v for k, v in q.items() if k != "limit"} for q in queries(database, args.requests)]
    print(f"search page vs API over {total:,} quotes, {len(searches)} searches")
    http = requests.Session()
    with serving(args.server, args.database) as base:

        def api(query: dict) -> None:
            http.get(f"{base}/v1/quotes", params=query, timeout=60).raise_for_status()

        def page(query: dict) -> None:
            http.get(f"{base}/", params=query, timeout=60).raise_for_status()

        run(api, searches[:10])
        run(page, searches[:10])
        for count in (1, args.clients):
            for attempt in (1, 2):
                measured = {name: run(call, searches, count) for name, call in (("api", api), ("page", page))}
                report(f"{count} client(s), run {attempt}", measured["page"], measured["api"])


def report(label: str, page: Timing, api: Timing) -> None:
    print(f"{label}  ({load_average()})")
    print(page.line("  GET /?q=  (search page)"))
    print(api.line("  GET /v1/quotes?q=  (API)"))
    ratio50 = page.percentile(50) / api.percentile(50)
    ratio95 = page.percentile(95) / api.percentile(95)
    print(f"  page / API: p50 x{ratio50:.2f}  p95 x{ratio95:.2f}")


if __name__ == "__main__":
    main()
