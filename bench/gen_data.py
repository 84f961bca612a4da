"""A deterministic synthetic corpus for the benchmarks.

    python bench/gen_data.py --quotes 1000000 --load $DATABASE_URL   # COPY straight into a migrated database
    python bench/gen_data.py --quotes 10000 --ndjson /tmp/quotes.ndjson  # the import format

Same seed, same corpus. Words follow a Zipf distribution over a 40,000-word
pseudo-vocabulary (English-like syllables; Cyrillic for the Russian tenth), quotes
are 8-60 words long, 30,000 speakers carry 2-4 aliases each, 100,000 sources are
cited, every twentieth quote has a translation. `--load` writes the rows with COPY,
computing the same derived columns the service does (hash, search text, alias keys);
it writes no history (benchmark data is not an editorial record).
"""

import argparse
import itertools
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.config import normalise_database_url  # noqa: E402
from service.text import latin_key, name_key, search_text, statement_hash  # noqa: E402

SEED = 20190424
VOCABULARY = 40_000
SPEAKERS = 30_000
SOURCES = 100_000
LATIN = [
    "ka",
    "lo",
    "mi",
    "re",
    "sa",
    "to",
    "vi",
    "ne",
    "po",
    "da",
    "ru",
    "te",
    "an",
    "or",
    "el",
    "is",
    "un",
    "ar",
    "co",
    "de",
    "ti",
    "ma",
    "no",
    "li",
    "pe",
    "su",
    "ha",
    "go",
    "be",
    "fa",
]
CYRILLIC = [
    "ка",
    "ло",
    "ми",
    "ре",
    "са",
    "то",
    "ви",
    "не",
    "по",
    "да",
    "ру",
    "те",
    "ан",
    "ор",
    "ел",
    "ис",
    "ун",
    "ар",
    "ко",
    "де",
    "ти",
    "ма",
    "но",
    "ли",
    "пе",
    "су",
    "ха",
    "го",
    "бе",
    "фа",
]
DESCRIPTIONS = ["an unnamed official", "a senior diplomat", "analysts", "a government source"]


class Corpus:
    """Everything derived from one seed."""

    def __init__(self, seed: int = SEED):
        self.random = random.Random(seed)
        self.latin_words = self._vocabulary(LATIN)
        self.cyrillic_words = self._vocabulary(CYRILLIC)
        # Zipf: the k-th word is drawn with weight 1/k.
        self.cumulative = list(itertools.accumulate(1 / k for k in range(1, VOCABULARY + 1)))

    def _vocabulary(self, syllables: list[str]) -> list[str]:
        words = set()
        while len(words) < VOCABULARY:
            words.add("".join(self.random.choices(syllables, k=self.random.randint(1, 4))))
        ordered = sorted(words)
        self.random.shuffle(ordered)
        return ordered

    def sentence(self, russian: bool = False) -> str:
        words = self.cyrillic_words if russian else self.latin_words
        picks = self.random.choices(words, cum_weights=self.cumulative, k=self.random.randint(8, 60))
        return " ".join(picks).capitalize() + "."

    def speaker(self, n: int) -> dict:
        rng = random.Random(SEED + n)
        first, last = (rng.choice(self.latin_words[:5000]).capitalize() for _ in range(2))
        name = f"{first} {last} {n}"
        aliases = [f"{first[0]}. {last} {n}", f"{first}-{last} {n}"][: rng.randint(1, 2)]
        return {"name": name, "aliases": aliases}

    def source(self, n: int) -> dict:
        day = date(2000, 1, 1) + timedelta(days=n % 9000)
        return {
            "url": f"https://news{n % 500}.example.com/{day:%Y/%m/%d}/story-{n}",
            "title": f"Story {n}",
            "publisher": f"Publisher {n % 500}",
            "published_at": f"{day.isoformat()}T12:00:00Z",
        }

    def quotes(self, count: int):
        """`count` quote bodies in the import format."""
        for n in range(count):
            russian = self.random.random() < 0.1
            body = {
                "text": self.sentence(russian),
                "lang": "ru" if russian else "en",
                "kind": self.random.choice(("direct", "direct", "partial", "indirect")),
                "said_on": (date(2000, 1, 1) + timedelta(days=self.random.randrange(9000))).isoformat(),
                "topics": [f"topic-{self.random.randrange(200)}"],
                "citations": [{"source": self.source(self.random.randrange(SOURCES))}],
            }
            if self.random.random() < 0.1:
                body["speaker_description"] = self.random.choice(DESCRIPTIONS)
            else:
                body["speaker"] = self.speaker(self.random.randrange(SPEAKERS))
            if n % 20 == 0:
                translation = {"lang": "en" if russian else "ru", "text": self.sentence(not russian)}
                body["translations"] = [translation]
            yield body


def write_ndjson(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for body in Corpus().quotes(count):
            out.write(json.dumps(body, ensure_ascii=False) + "\n")


def load(url: str, count: int) -> None:
    """COPY the corpus into a migrated database (its id ranges must be free)."""
    import psycopg

    corpus = Corpus()
    url = normalise_database_url(url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        base = _next_ids(conn)
        _copy_speakers(conn, corpus, base["speakers"])
        _copy_sources(conn, corpus, base["sources"])
        _copy_quotes(conn, corpus, count, base)
        for table in ("speakers", "sources", "quotes", "speaker_aliases", "citations", "translations"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            conn.execute(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
        conn.execute("ANALYZE")


def _next_ids(conn) -> dict:
    tables = ("speakers", "speaker_aliases", "sources", "quotes", "citations", "translations")
    return {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for t in tables}


def _copy_speakers(conn, corpus: Corpus, first_id: int) -> None:
    alias_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM speaker_aliases").fetchone()[0]
    with conn.cursor() as cur:
        with cur.copy("COPY speakers (id, name, kind, version) FROM STDIN") as copy:
            for n in range(SPEAKERS):
                copy.write_row((first_id + n, corpus.speaker(n)["name"], "person", 1))
        columns = "id, speaker_id, alias, alias_key, latin_key"
        with cur.copy(f"COPY speaker_aliases ({columns}) FROM STDIN") as copy:
            for n in range(SPEAKERS):
                speaker = corpus.speaker(n)
                for alias in [speaker["name"], *speaker["aliases"]]:
                    copy.write_row((alias_id, first_id + n, alias, name_key(alias), latin_key(alias)))
                    alias_id += 1


def _copy_sources(conn, corpus: Corpus, first_id: int) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY sources (id, url, identity_key, title, publisher, published_at, kind, version) FROM STDIN"
        ) as copy,
    ):
        for n in range(SOURCES):
            s = corpus.source(n)
            copy.write_row(
                (
                    first_id + n,
                    s["url"],
                    "url:" + s["url"],
                    s["title"],
                    s["publisher"],
                    s["published_at"],
                    "article",
                    1,
                )
            )


def _copy_quotes(conn, corpus: Corpus, count: int, base: dict) -> None:
    """Quotes first (one COPY at a time per connection), then their citations and translations."""
    quote_columns = (
        "id, text, text_hash, search_text, lang, kind, speaker_id, speaker_description, "
        "said_on, said_on_precision, topics, status, version"
    )
    seen, citations, translations = set(), [], []
    with conn.cursor() as cur, cur.copy(f"COPY quotes ({quote_columns}) FROM STDIN") as copy:
        for n, body in enumerate(corpus.quotes(count)):
            quote_id = base["quotes"] + n
            speaker_id = None
            if "speaker" in body:
                speaker_id = base["speakers"] + int(body["speaker"]["name"].rsplit(" ", 1)[1])
            key = (speaker_id, body.get("speaker_description"), statement_hash(body["text"]))
            if key in seen:
                continue
            seen.add(key)
            copy.write_row(
                (
                    quote_id,
                    body["text"],
                    key[2],
                    search_text(body["text"], body["lang"]),
                    body["lang"],
                    body["kind"],
                    speaker_id,
                    body.get("speaker_description"),
                    body["said_on"],
                    "day",
                    body["topics"],
                    "unverified",
                    1,
                )
            )
            source_n = int(body["citations"][0]["source"]["title"].split()[1])
            citations.append((base["citations"] + n, quote_id, base["sources"] + source_n))
            translations += [
                (quote_id, t["lang"], t["text"], search_text(t["text"], t["lang"]))
                for t in body.get("translations", [])
            ]
            if n % 100_000 == 0:
                print(f"  {n:,} quotes", file=sys.stderr)
    with conn.cursor() as cur, cur.copy("COPY citations (id, quote_id, source_id) FROM STDIN") as copy:
        for row in citations:
            copy.write_row(row)
    with (
        conn.cursor() as cur,
        cur.copy("COPY translations (id, quote_id, lang, text, search_text) FROM STDIN") as copy,
    ):
        for offset, row in enumerate(translations):
            copy.write_row((base["translations"] + offset, *row))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quotes", type=int, default=100_000)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--load", metavar="DATABASE_URL", help="COPY into this (migrated) database")
    target.add_argument("--ndjson", type=Path, metavar="FILE", help="write the import format")
    args = parser.parse_args()
    if args.ndjson:
        write_ndjson(args.ndjson, args.quotes)
    else:
        load(args.load, args.quotes)


if __name__ == "__main__":
    main()
