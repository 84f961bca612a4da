"""Extraction quality and speed: span precision and recall, speaker and kind accuracy,
articles per second, on the development set and on the two seed articles.

    python bench/extract.py                       # ../shared/extraction and ../shared/seeds
    python bench/extract.py --shared /work/shared --held-out 08 09 10

The gazetteer is the demo data (`examples/kim-russia-2019.ndjson`: the speakers and
aliases `make run` loads), held in memory so that no database is needed. The dev set's
gold annotates quoted spans only (direct and partial), so precision counts the direct
and partial proposals; indirect ones are counted apart. A proposal matches a gold span
when their texts are equal once whitespace and quotation marks are normalised (exact),
or when their words overlap by at least 0.8 (overlap). Speaker accuracy is over the
exact matches: the proposal's speaker name or one of its aliases is the gold speaker, or
both are unnamed sources described with a shared noun. The seed articles are compared
with the direct and partial quotes of the example file.
"""

import argparse
import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from service.extract.proposals import Article, propose
from service.text import latin_key, name_key, statement_key

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "kim-russia-2019.ndjson"
STOP = frozenset("a an the of for and in at on to who with by its his her their from not as".split())


def main() -> None:
    options = _arguments()
    shared = Path(options.shared)
    lookup = demo_gazetteer()
    gold = json.loads((shared / "extraction" / "gold.json").read_text())
    articles = sorted((shared / "extraction" / "articles").glob("*.txt"))
    print(f"load average {os.getloadavg()[0]:.2f}; gazetteer: {EXAMPLES.name}")
    rows = {
        path.stem: score_article(path, [g for g in gold if g["article"] == path.name], lookup)
        for path in articles
    }
    _print_table(rows)
    held = [stem for stem in rows if stem in options.held_out]
    tuned = [stem for stem in rows if stem not in held]
    for label, stems in (("all", list(rows)), ("tuned on", tuned), ("held out", held)):
        if stems:
            _print_total(label + f" ({', '.join(stems)})", [rows[s] for s in stems])
    wall, cpu = speed([_article(p) for p in articles], lookup, options.seconds)
    print(
        f"\nspeed on one core: {wall:.1f} articles/s of wall time, {cpu:.1f} per CPU second "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    score_seeds(shared / "seeds", lookup)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="holds extraction/ and seeds/")
    parser.add_argument("--held-out", nargs="*", default=["08", "09", "10"], help="articles not tuned on")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to time extraction for")
    parser.add_argument("--verbose", action="store_true", help="print every miss and false positive")
    return parser.parse_args()


def demo_gazetteer():
    """{name_key: speaker} lookup over the demo data's speakers, as the database answers it."""
    speakers: dict[str, dict] = {}
    for line in EXAMPLES.read_text().splitlines():
        speaker = json.loads(line).get("speaker")
        if speaker:
            record = speakers.setdefault(
                speaker["name"], {"name": speaker["name"], "kind": speaker.get("kind", "person")}
            )
            record.setdefault("names", set()).update([speaker["name"], *speaker.get("aliases", [])])
    by_key: dict[str, list[dict]] = {}
    for record in speakers.values():
        record["keys"] = {name_key(n) for n in record["names"]}
        for name in record["names"]:
            for key in {name_key(name), "latin:" + latin_key(name)}:
                by_key.setdefault(key, []).append(record)

    def lookup(names: list[str]) -> dict[str, dict]:
        found = {}
        for name in names:
            records = by_key.get(name_key(name)) or by_key.get("latin:" + latin_key(name)) or []
            if len({r["name"] for r in records}) == 1:
                found[name_key(name)] = records[0]
        return found

    return lookup


def _article(path: Path) -> Article:
    title, publisher, day, url, *_ = path.read_text().split("\n", 4)
    text = path.read_text().split("\n\n", 1)[1]
    published = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return Article(
        text, url=None if url == "unknown" else url, title=title, publisher=publisher, published_at=published
    )


def score_article(path: Path, gold: list[dict], lookup) -> dict:
    """Counts for one article: proposals, gold spans, matches, right speakers and kinds."""
    proposals = propose(_article(path), lookup)
    quoted = [p for p in proposals if p.kind != "indirect"]
    exact = _match(quoted, gold, lambda p, g: statement_key(p.text) == statement_key(g["text"]))
    overlap = _match(quoted, gold, lambda p, g: _overlap(p.text, g["text"]) >= 0.8)
    row = {
        "proposed": len(quoted),
        "gold": len(gold),
        "exact": len(exact),
        "overlap": len(overlap),
        "speaker": sum(_same_speaker(p, g) for p, g in exact),
        "kind": sum(p.kind == g["kind"] for p, g in exact),
        "indirect": len(proposals) - len(quoted),
    }
    if os.environ.get("BENCH_VERBOSE") or "--verbose" in os.sys.argv:
        _explain(path.stem, quoted, gold, exact)
    return row


def _match(proposals, gold, same) -> list[tuple]:
    """One-to-one pairs, each gold span taken by the first proposal that matches it."""
    pairs, taken = [], set()
    for proposal in proposals:
        for index, span in enumerate(gold):
            if index not in taken and same(proposal, span):
                pairs.append((proposal, span))
                taken.add(index)
                break
    return pairs


def _overlap(a: str, b: str) -> float:
    left, right = Counter(statement_key(a).split()), Counter(statement_key(b).split())
    return sum((left & right).values()) / max(sum(left.values()), sum(right.values()), 1)


def _names(proposal) -> set[str]:
    speaker = proposal.speaker or {}
    return {name_key(n) for n in [speaker.get("name", ""), *speaker.get("aliases", [])] if n}


def _same_speaker(proposal, gold: dict) -> bool:
    if gold["speaker"]:
        return name_key(gold["speaker"]) in _names(proposal)
    if not proposal.speaker_description or not gold.get("speaker_description"):
        return False
    return bool(_nouns(proposal.speaker_description) & _nouns(gold["speaker_description"]))


def _nouns(description: str) -> set[str]:
    return {w for w in name_key(description).split() if w not in STOP and len(w) > 2}


def _explain(stem: str, proposals, gold, exact) -> None:
    matched_p = {id(p) for p, _ in exact}
    matched_g = {id(g) for _, g in exact}
    for p in proposals:
        if id(p) not in matched_p:
            print(f"  {stem} extra  {p.kind:7} {_who(p)[:30]:30} {p.text[:70]!r}")
    for g in gold:
        if id(g) not in matched_g:
            print(
                f"  {stem} missed {g['kind']:7} {str(g['speaker'] or g.get('speaker_description'))[:30]:30} "
                f"{g['text'][:70]!r}"
            )
    for p, g in exact:
        if not _same_speaker(p, g):
            print(
                f"  {stem} who?   {_who(p)[:30]:30} gold {g['speaker'] or g.get('speaker_description')!r} "
                f"{g['text'][:40]!r}"
            )


def _who(proposal) -> str:
    return proposal.speaker["name"] if proposal.speaker else f"[{proposal.speaker_description}]"


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "  -  "


def _print_table(rows: dict[str, dict]) -> None:
    print(
        f"\n{'article':8} {'gold':>4} {'prop':>4} {'P':>6} {'R':>6} {'P@0.8':>6} {'R@0.8':>6} "
        f"{'speaker':>7} {'kind':>6} {'indir':>5}"
    )
    for stem, r in rows.items():
        print(_line(stem, r))


def _line(label: str, r: dict) -> str:
    return (
        f"{label:8} {r['gold']:4} {r['proposed']:4} {_ratio(r['exact'], r['proposed']):>6} "
        f"{_ratio(r['exact'], r['gold']):>6} {_ratio(r['overlap'], r['proposed']):>6} "
        f"{_ratio(r['overlap'], r['gold']):>6} {_ratio(r['speaker'], r['exact']):>7} "
        f"{_ratio(r['kind'], r['exact']):>6} {r['indirect']:5}"
    )


def _print_total(label: str, rows: list[dict]) -> None:
    total = {key: sum(r[key] for r in rows) for key in rows[0]}
    print(f"{label}:\n{_line('overall', total)}")


def speed(articles: list[Article], lookup, seconds: float) -> tuple[float, float]:
    """Articles extracted per second of wall-clock time and per second of this process's
    CPU time (one core; the CPU figure does not count time other processes took)."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for article in articles:
            propose(article, lookup)
        done += len(articles)
    return done / (time.perf_counter() - start), done / (time.process_time() - cpu)


def score_seeds(seeds: Path, lookup) -> None:
    """The seed articles against the direct and partial quotes typed by hand."""
    expected = [json.loads(line) for line in EXAMPLES.read_text().splitlines()]
    expected = [q for q in expected if q["kind"] != "indirect"]
    published = datetime(2019, 4, 24, tzinfo=UTC)
    proposals = [
        p
        for path in sorted(seeds.glob("*.txt"))
        for p in propose(Article(path.read_text(), published_at=published), lookup)
    ]
    right = 0
    for quote in expected:
        found = next((p for p in proposals if _overlap(p.text, quote["text"]) >= 0.8), None)
        ok = found is not None and _seed_speaker(found, quote)
        right += ok
        if not ok:
            who = _who(found) if found else "not found"
            print(f"  seed miss: {quote['text'][:60]!r} ({who})")
    print(
        f"\nseed articles: {right}/{len(expected)} direct and partial quotes found with the right speaker "
        f"({right / len(expected):.1%}); {len(proposals)} proposals in all"
    )


def _seed_speaker(proposal, quote: dict) -> bool:
    if quote.get("speaker"):
        names = {name_key(n) for n in [quote["speaker"]["name"], *quote["speaker"].get("aliases", [])]}
        return bool(names & _names(proposal))
    return bool(proposal.speaker_description) and bool(
        _nouns(proposal.speaker_description) & _nouns(quote["speaker_description"])
    )


if __name__ == "__main__":
    main()
