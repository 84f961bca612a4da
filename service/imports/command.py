"""`onrecord import`: files (NDJSON or CSV, `-` for stdin, `.gz` accepted) into the
database directly, or posted to a running service; with a progress bar."""

import gzip
import io
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import requests
from sqlalchemy.orm import Session
from tqdm import tqdm

from service.db import make_engine
from service.imports.formats import (
    CSV,
    GZIP_ERRORS,
    MAX_LINE_BYTES,
    NDJSON,
    FormatError,
    not_gzip,
    numbered_lines,
    read_records,
)
from service.imports.report import FAILED, ImportReport, ImportStopped
from service.imports.services import ImportOptions, import_records

NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".json")
PLAIN_PROGRESS_EVERY = 5.0  # seconds between progress lines when not on a terminal
_CHUNK = 64 * 1024


@dataclass
class Input:
    """One file to import."""

    name: str
    stream: BinaryIO
    mimetype: str
    lines: int | None  # for the progress bar's ETA; None for stdin


@contextmanager
def open_input(name: str) -> Iterator[Input]:
    """The file (or stdin for `-`), decompressed if it ends in `.gz`, with its format
    told by its extension or else by its first character."""
    path = Path(name)
    opener = gzip.open if path.suffix == ".gz" else open
    if name == "-":
        yield Input("stdin", sys.stdin.buffer, _sniffed(sys.stdin.buffer), None)
        return
    with opener(path, "rb") as stream:
        yield Input(name, stream, _format(path, stream), _count_lines(path, opener))


def _format(path: Path, stream) -> str:
    suffix = Path(path.stem).suffix if path.suffix == ".gz" else path.suffix
    if suffix == ".csv":
        return CSV
    return NDJSON if suffix in NDJSON_SUFFIXES else _sniffed(stream)


def _sniffed(stream) -> str:
    return NDJSON if stream.peek(_CHUNK).lstrip()[:1] in (b"{", b"") else CSV


def _count_lines(path: Path, opener) -> int | None:
    """The lines in the file, for the progress bar; None when a compressed file is cut
    short (the import says where)."""
    with opener(path, "rb") as stream:
        counted = CountedLines(stream)
        try:
            while counted.read(1024 * 1024):
                pass
        except GZIP_ERRORS:
            return None
    return counted.lines


class CountedLines(io.RawIOBase):
    """A stream read through, counting its lines as they go by, a last one without a
    line end too: what the progress shows, as lines read, is what its total counts."""

    def __init__(self, stream: BinaryIO, counted: Callable[[int], None] | None = None):
        self.stream, self.counted, self.lines, self.ended = stream, counted, 0, True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read1(len(buffer))
        if data:
            self._count(data.count(b"\n"))
            self.ended = data.endswith(b"\n")
        elif not self.ended:
            self._count(1)
            self.ended = True
        buffer[: len(data)] = data
        return len(data)

    def _count(self, lines: int) -> None:
        self.lines += lines
        if self.counted is not None:
            self.counted(lines)


class Progress:
    """Lines done, rate and ETA: a tqdm bar on a terminal, a plain line now and then otherwise."""

    def __init__(self, name: str, total: int | None, unit: str = "line"):
        self.name, self.total, self.unit, self.done = name, total, f"{unit}s", 0
        self.bar = (
            tqdm(total=total, desc=name, unit=f" {self.unit}", file=sys.stderr)
            if sys.stderr.isatty()
            else None
        )
        self.started = self.last_said = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
        elif time.monotonic() - self.last_said >= PLAIN_PROGRESS_EVERY:
            self.say()

    def say(self) -> None:
        self.last_said = time.monotonic()
        rate = self.done / max(self.last_said - self.started, 1e-9)
        of_total = f"/{self.total}" if self.total else ""
        print(f"{self.name}: {self.done}{of_total} {self.unit}, {rate:.0f}/s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            self.say()


@dataclass
class Result:
    """An import's report, and every failed line's errors (for the failures file)."""

    report: ImportReport = field(default_factory=ImportReport)
    failures: dict[int, dict] = field(default_factory=dict)


class DatabaseTarget:
    """Import straight into a database, in batches committed as they are done."""

    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=1)

    def run(self, source: Input, options: ImportOptions, progress: Progress) -> Result:
        result = Result()
        with Session(self.engine) as session:
            try:  # a CSV's header is read at once: a file unreadable from line 1 stops here
                records = read_records(CountedLines(source.stream, progress.update), source.mimetype)
                for outcome in import_records(session, records, options):
                    result.report.add(outcome)
                    if outcome.status == FAILED:
                        result.failures[outcome.line] = outcome.errors
            except ImportStopped as stopped:
                result.report.stop(stopped, rolled_back=options.mode == "atomic")
        return result


class ServerTarget:
    """Post each file to a running service as one streamed request."""

    def __init__(self, url: str, key: str | None):
        self.url = url.rstrip("/") + "/v1/imports"
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def run(self, source: Input, options: ImportOptions, progress: Progress) -> Result:
        params = {
            "mode": options.mode,
            "batch_size": options.batch_size,
            "dry_run": str(options.dry_run).lower(),
        }
        headers = self.headers | {"Content-Type": source.mimetype, "Accept": "application/json"}
        atomic = options.mode == "atomic"
        sent = Body(source, progress, abandon=atomic and not options.dry_run)
        try:
            response = requests.post(self.url, data=sent, params=params, headers=headers, timeout=None)
        except ImportStopped as stopped:  # the upload abandoned: the server wrote nothing
            result = Result()
            result.report.stop(stopped, rolled_back=True)
            return result
        result = self._answer(response)
        if sent.cut is not None and result.report.stopped_at is None:
            result.report.stop(sent.cut, rolled_back=atomic)
        return result

    def _answer(self, response: requests.Response) -> Result:
        """The server's report, or `FormatError` if it answered with anything else."""
        if response.status_code != 200:
            raise FormatError(f"{self.url} answered {response.status_code}: {response.text[:500]}")
        body = response.json()
        report = ImportReport(
            body["created"],
            body["matched"],
            body["failed"],
            body["errors"],
            body.get("stopped_at"),
            body.get("stop_reason"),
        )
        return Result(report, {error["line"]: error["errors"] for error in body["errors"]})


class Body:
    """A file as a request body: whole lines, a chunk at a time, counted as they leave.

    If the file stops being readable (a gzip file cut short), the body ends after the
    last whole line, as the direct import stops before the line it cannot read, and
    `cut` says where and why; with `abandon` (an atomic import that writes), the upload
    is abandoned there instead, raising `ImportStopped`, so that the server writes nothing.
    """

    def __init__(self, source: Input, progress: Progress, abandon: bool):
        self.stream = CountedLines(source.stream, progress.update)
        self.abandon = abandon
        self.cut: ImportStopped | None = None

    def __iter__(self) -> Iterator[bytes]:
        pending = bytearray()
        try:
            while chunk := self.stream.read(_CHUNK):
                pending += chunk
                end = pending.rfind(b"\n") + 1
                if len(pending) - end > MAX_LINE_BYTES:  # too long to import anyway: not held back
                    end = len(pending)
                if end:
                    yield bytes(pending[:end])
                    del pending[:end]
        except GZIP_ERRORS as error:
            self.cut = not_gzip(self.stream.lines + 1, error)
            if self.abandon:
                raise self.cut from None
            return
        if pending:
            yield bytes(pending)


def import_file(name: str, options: ImportOptions, target) -> bool:
    """Import one file and print its summary; True if every line went in."""
    with open_input(name) as source:
        progress = Progress(source.name, source.lines)
        try:
            result = target.run(source, options, progress)
        finally:
            progress.close()
    report = result.report
    print(f"{name}: {report.created} created, {report.matched} matched, {report.failed} failed", flush=True)
    if report.stopped_at is not None:
        why = f". {report.stop_reason}" if report.stop_reason else ""
        print(
            f"{name}: stopped at line {report.stopped_at}; lines from there on were not written{why}",
            flush=True,
        )
    if result.failures:
        print(
            f"{name}: failed lines and their errors are in {write_failures(name, result.failures)}",
            flush=True,
        )
    return not report.failed and report.stopped_at is None


def write_failures(name: str, failures: dict[int, dict]) -> Path:
    """`<file>.failed.ndjson` next to the input (in the current directory for stdin):
    `{"line", "errors", "input"}` per failed line, `input` being the line as read."""
    out = Path("stdin.failed.ndjson") if name == "-" else Path(f"{name}.failed.ndjson")
    texts = _failed_texts(name, failures) if name != "-" else {}
    with out.open("w", encoding="utf-8") as file:
        for line in sorted(failures):
            entry = {"line": line, "errors": failures[line]} | (
                {"input": texts[line]} if line in texts else {}
            )
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return out


def _failed_texts(name: str, failures: dict[int, dict]) -> dict[int, str]:
    """The text of each failed line, read again from the file."""
    with open_input(name) as source:
        return {n: text.rstrip("\r\n") for n, text in numbered_lines(source.stream) if n in failures and text}
