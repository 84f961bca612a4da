"""Where the search index lives on disk, and how it is opened for reading and writing.

    <ONRECORD_INDEX_DIR>/current -> generations/<name>   (a symlink, swapped atomically)
    <ONRECORD_INDEX_DIR>/generations/<name>/             a tantivy index, and
        position.json                                    how far in the feed it is

Only the indexer writes (tantivy allows one writer per index; its lock file says so).
Workers hold a `SearchIndex` and, on each search, pick up the indexer's latest commit
(or a rebuilt generation) by reading `position.json` — a small file, no file watching.
"""

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import flask
import tantivy

from service.db import MIN_POSITION_HEADER, wal_position
from service.errors import problem
from service.search import documents

WAIT_SECONDS = 1.0  # how long a search sent with X-Min-Position waits for the index
WAIT_STEP = 0.02
CURRENT = "current"
GENERATIONS = "generations"
POSITION_FILE = "position.json"
WRITER_HEAP_BYTES = 64_000_000  # the indexer's, which commits a few changes at a time
# A build's: it flushes a segment of some 500,000 quotes at a time (at 64 MB, 150,000,
# which its background merges left as 2 to 10 segments for the 1M benchmark corpus,
# depending on their timing). A search visits every segment: bench/search.py's queries
# cost the index 15-30 % more on 10 than on 2; and the build took twice as long, merging.
# It takes 1.4 GB of memory at 1M instead of 0.4, so never more than an eighth of the
# machine's memory (a build restarts with the indexer if the kernel kills it).
BUILD_HEAP_BYTES = min(1_000_000_000, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 8)


class IndexUnavailable(RuntimeError):
    """There is no usable index (not built yet, deleted, or of an older format)."""


class IndexBehind(IndexUnavailable):
    """The index has not caught up with the position a client asked for (X-Min-Position)."""


@dataclass(frozen=True)
class Position:
    """How far in the change feed a generation of the index is: every change by a
    transaction below `horizon` (an xid8), and every one visible when the database stood
    at WAL position `lsn`, is in it. `last_change` (id, xid, at) of the newest feed row
    applied tells whether the database is still the one the index was built from."""

    format: str
    horizon: int
    lsn: str
    last_change: tuple[int, int, str] | None

    def to_json(self) -> str:
        # `written` tells readers a commit from the one before even when nothing else moved.
        return json.dumps(self.__dict__ | {"written": time.time_ns()})

    @classmethod
    def from_json(cls, raw: str) -> "Position":
        data = json.loads(raw)
        last = data.get("last_change")
        return cls(data["format"], int(data["horizon"]), data["lsn"], tuple(last) if last else None)


def current_path(index_dir: Path) -> Path:
    """The generation the `current` link points at (it may not exist)."""
    return (index_dir / CURRENT).resolve()


def read_position(generation: Path) -> Position | None:
    """The generation's position, None if it has none (never committed, or missing)."""
    try:
        return Position.from_json((generation / POSITION_FILE).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _position_text(generation: Path) -> str:
    try:
        return (generation / POSITION_FILE).read_text()
    except OSError:
        raise IndexUnavailable("the search index is not built yet") from None


def write_position(generation: Path, position: Position) -> None:
    """Record the position after a tantivy commit (atomically: write, then rename)."""
    temporary = generation / f".{POSITION_FILE}.{os.getpid()}"
    temporary.write_text(position.to_json())
    os.replace(temporary, generation / POSITION_FILE)


def open_index(generation: Path) -> tantivy.Index:
    """Open a generation, raising IndexUnavailable if it is missing or unreadable."""
    if not (generation / POSITION_FILE).exists() or not tantivy.Index.exists(str(generation)):
        raise IndexUnavailable(f"no search index in {generation}")
    try:
        index = tantivy.Index.open(str(generation))
    except ValueError as error:
        raise IndexUnavailable(f"the search index in {generation} cannot be opened: {error}") from error
    documents.configure(index)
    return index


def new_generation(index_dir: Path) -> tuple[Path, tantivy.Index]:
    """An empty index in a new generation directory beside the current one."""
    generation = index_dir / GENERATIONS / uuid.uuid4().hex
    generation.mkdir(parents=True)
    index = tantivy.Index(documents.build_schema(), path=str(generation), reuse=False)
    documents.configure(index)
    return generation, index


def switch_to(index_dir: Path, generation: Path) -> None:
    """Make `generation` the current one atomically (readers see the old or the new)."""
    link = index_dir / f".{CURRENT}.{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(generation.relative_to(index_dir))
    os.replace(link, index_dir / CURRENT)


def remove_others(index_dir: Path, generation: Path) -> None:
    """Remove the finished generations other than `generation` (the indexer does, having
    switched to it; workers still reading an old one keep their open files). A generation
    still being built has no position yet and stays."""
    for other in (index_dir / GENERATIONS).iterdir():
        if other != generation and (other / POSITION_FILE).exists():
            shutil.rmtree(other, ignore_errors=True)


def writer(index: tantivy.Index, heap_bytes: int = WRITER_HEAP_BYTES) -> tantivy.IndexWriter:
    """The index's writer, for the indexer or a build alone (one thread: the machine is
    shared), with `heap_bytes` of memory for what it has not yet written out."""
    return index.writer(heap_bytes, 1)


class SearchIndex:
    """A worker's read-only view of the current index, reloaded when the indexer
    commits or a rebuilt generation replaces it."""

    def __init__(self, resolve_dir: Callable[[], Path]):
        self._resolve_dir = resolve_dir
        self._index_dir: Path | None = None
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._seen: tuple[Path, str] | None = None
        self._position: Position | None = None
        self._position_path: str | None = None
        self._changed: tuple[int, ...] | None = None  # the position file's stat when last read

    @property
    def index_dir(self) -> Path:
        """The index's directory (resolved on first use: it depends on the database)."""
        if self._index_dir is None:
            self._index_dir = self._resolve_dir()
        return self._index_dir

    def refresh(self) -> Position:
        """Pick up the latest commit; its position. IndexUnavailable if there is none.

        Each commit replaces the current generation's position file, so one `stat` of it
        through the `current` link tells whether anything changed (resolving the link and
        reading the file each time cost a search some 0.1-0.2 ms)."""
        if self._position_path is None:
            self._position_path = str(self.index_dir / CURRENT / POSITION_FILE)
        try:
            status = os.stat(self._position_path)
        except OSError:
            raise IndexUnavailable("the search index is not built yet") from None
        changed = (status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size)
        with self._lock:
            if changed != self._changed:
                generation = current_path(self.index_dir)
                stamp = (generation, _position_text(generation))
                if stamp != self._seen:
                    self._reopen(generation, stamp)
                self._changed = changed
            return self._position

    def _reopen(self, generation: Path, stamp: tuple[Path, str]) -> None:
        try:
            position = Position.from_json(stamp[1])
        except (ValueError, KeyError, TypeError):
            raise IndexUnavailable("the search index's position is unreadable") from None
        if position.format != documents.FORMAT:
            raise IndexUnavailable(f"the search index has format {position.format}, not {documents.FORMAT}")
        if self._seen is None or generation != self._seen[0]:
            self._index = open_index(generation)
        else:
            self._index.reload()
        self._position, self._seen = position, stamp

    def searcher(self) -> tantivy.Searcher:
        """A searcher over the latest commit. In a request sent with `X-Min-Position`
        (a write's `X-Position`), wait up to WAIT_SECONDS for the index to hold every
        change up to there; IndexBehind if it does not."""
        wanted = flask.has_request_context() and wal_position(flask.request.headers.get(MIN_POSITION_HEADER))
        if wanted:
            self.wait_for(wanted)
        else:
            self.refresh()
        return self._index.searcher()

    def wait_for(self, wanted: int, seconds: float = WAIT_SECONDS) -> None:
        """Until the index holds every change up to WAL position `wanted`."""
        deadline = time.monotonic() + seconds
        while wal_position(self.refresh().lsn) < wanted:
            if time.monotonic() > deadline:
                raise IndexBehind("The search index has not caught up with X-Min-Position yet.")
            time.sleep(WAIT_STEP)

    @property
    def index(self) -> tantivy.Index:
        """The open index (for parsing queries), at its latest commit."""
        self.refresh()
        return self._index

    @property
    def schema(self) -> tantivy.Schema:
        """The index's schema, for building queries: every generation of this FORMAT has
        the same, so a search that has just taken its searcher reads no file again."""
        return self.index.schema if self._index is None else self._index.schema


def search_index() -> SearchIndex:
    """The app's view of the search index."""
    return flask.current_app.extensions["search_index"]


def unavailable(error: IndexUnavailable) -> flask.Response:
    """A search while the index is being built, or behind X-Min-Position: a retryable 503
    (every read that does not search is served as usual)."""
    building = "The search index is being built; try again shortly."
    response = problem(503, str(error) if isinstance(error, IndexBehind) else building)
    # Past the one second a search waits for the index: a retry two seconds on should find it.
    response.headers["Retry-After"] = "2"
    return response


def init_app(app: flask.Flask, resolve_dir: Callable[[], Path]) -> None:
    """Give the app its view of the index (in the directory `resolve_dir()` names), and
    the 503 for searches without one."""
    app.extensions["search_index"] = SearchIndex(resolve_dir)
    app.register_error_handler(IndexUnavailable, unavailable)
