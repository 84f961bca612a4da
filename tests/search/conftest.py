"""Fixtures of the search index tests: a fresh database of their own (the feed's
transactions must really commit), an index directory, and an indexer over both."""

import pytest
import tantivy
from sqlalchemy import text

from service.db import make_engine
from service.search.index import SearchIndex
from service.search.indexer import Indexer
from tests.conftest import temporary_data_dir
from tests.imports.conftest import empty_database, fresh_database

__all__ = ["empty_database", "fresh_database"]

INSERT_QUOTE = text(
    "INSERT INTO quotes (text, text_hash, lang, kind, speaker_description, version) "
    "VALUES (:text, decode(md5(:text), 'hex'), 'en', 'direct', 'an official', 1) RETURNING id"
)


@pytest.fixture
def feed_engine(fresh_database):
    """An engine on a fresh, migrated database."""
    engine = make_engine(fresh_database)
    yield engine
    engine.dispose()


@pytest.fixture
def feed_index_dir():
    """An empty directory for an index."""
    with temporary_data_dir() as path:
        yield path / "index"


@pytest.fixture
def feed_indexer(feed_engine, feed_index_dir):
    """An indexer that has built its (empty) index."""
    feed_indexer = Indexer(feed_engine, feed_index_dir)
    feed_indexer.start()
    yield feed_indexer
    feed_indexer.close()


def insert_quote(connection, words: str) -> int:
    """A quote saying `words`, inserted in the connection's transaction; its id."""
    return connection.execute(INSERT_QUOTE, {"text": words}).scalar_one()


def found(feed_index_dir, words: str) -> list[int]:
    """The ids of the quotes the index finds for `words`."""
    reader = SearchIndex(lambda: feed_index_dir)
    searcher = reader.searcher()
    hits = searcher.search(reader.index.parse_query(words), 100).hits
    return sorted(searcher.doc(address)["id"][0] for _, address in hits)


def all_ids(feed_index_dir) -> list[int]:
    """Every quote id in the index (a duplicate would show twice)."""
    reader = SearchIndex(lambda: feed_index_dir)
    searcher = reader.searcher()
    hits = searcher.search(tantivy.Query.all_query(), 1_000_000).hits
    return sorted(searcher.doc(address)["id"][0] for _, address in hits)
