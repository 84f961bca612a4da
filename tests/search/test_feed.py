"""The change feed: every change reaches the index once its transaction commits, whatever
order transactions took their sequence numbers and ids in, and nothing twice."""

import pytest
from sqlalchemy import text

from tests.search.conftest import all_ids, found, insert_quote


class TestOutOfOrderCommits:
    @pytest.mark.parametrize("older_xid_first", [False, True])
    def test_a_change_committed_after_a_later_one_is_not_skipped(
        self, feed_engine, feed_indexer, feed_index_dir, older_xid_first
    ):
        early, late = feed_engine.connect(), feed_engine.connect()
        try:
            late.begin()
            if older_xid_first:  # `late` holds the older transaction id, and the smaller feed id
                late.execute(text("SELECT pg_current_xact_id()"))
            slow = insert_quote(late, "sturgeon committed last")
            early.begin()
            quick = insert_quote(early, "walrus committed first")
            early.commit()
            feed_indexer.catch_up()
            assert found(feed_index_dir, "walrus") == [quick]
            assert found(feed_index_dir, "sturgeon") == []
            late.commit()
            feed_indexer.catch_up()
            assert found(feed_index_dir, "sturgeon") == [slow]
            assert found(feed_index_dir, "walrus") == [quick]
        finally:
            early.close()
            late.close()

    def test_a_rolled_back_change_is_never_indexed(self, feed_engine, feed_indexer, feed_index_dir):
        with feed_engine.connect() as connection:
            insert_quote(connection, "phantom")
            connection.rollback()
        feed_indexer.catch_up()
        assert found(feed_index_dir, "phantom") == []


class TestApplyingTwice:
    def test_a_change_applied_again_leaves_one_document(self, feed_engine, feed_indexer, feed_index_dir):
        with feed_engine.begin() as connection:
            quote = insert_quote(connection, "narwhal")
        feed_indexer.catch_up()
        feed_indexer.close()
        feed_indexer.start()  # from the recorded position: nothing new, nothing doubled
        feed_indexer.catch_up()
        with feed_engine.begin() as connection:
            connection.execute(text("UPDATE quotes SET text = 'narwhal tusk' WHERE id = :id"), {"id": quote})
        feed_indexer.catch_up()
        feed_indexer.catch_up()
        assert all_ids(feed_index_dir) == [quote]
        assert found(feed_index_dir, "tusk") == [quote]

    def test_a_deleted_quote_leaves_the_index(self, feed_engine, feed_indexer, feed_index_dir):
        with feed_engine.begin() as connection:
            quote = insert_quote(connection, "dodo")
        feed_indexer.catch_up()
        assert found(feed_index_dir, "dodo") == [quote]
        with feed_engine.begin() as connection:
            connection.execute(text("DELETE FROM quotes WHERE id = :id"), {"id": quote})
        feed_indexer.catch_up()
        assert all_ids(feed_index_dir) == []
