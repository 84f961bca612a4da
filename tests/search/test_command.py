"""`onrecord reindex` beside a live `onrecord serve`: searches go on answering while the
new index is built, the switch is atomic, the old generation goes, and the running
indexer follows the new one."""

import subprocess
import time

import requests

from service.search.index import current_path
from tests.conftest import new_key
from tests.search.test_lifecycle import eventually, has_caught_up, post_quote, serve
from tests.test_cli import ONRECORD, environment


def search_ids(base: str, words: str) -> list[int]:
    response = requests.get(base + "/v1/quotes", params={"q": words, "limit": 100}, timeout=10)
    assert response.status_code == 200, response.text
    return [quote["id"] for quote in response.json()["items"]]


def test_reindex_switches_a_live_service_to_a_new_index(fresh_database, data_dir):
    index_dir = data_dir / "index"
    server = serve(fresh_database, index_dir, "--demo")
    try:
        eventually(lambda: has_caught_up(server, fresh_database, index_dir))
        before, expected = current_path(index_dir), search_ids(server.base, "denuclearization")
        assert expected

        reindexing = subprocess.Popen(
            [ONRECORD, "reindex"],
            env=environment(DATABASE_URL=fresh_database, ONRECORD_INDEX_DIR=str(index_dir)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        answered = []
        while reindexing.poll() is None:  # searches during the rebuild see the old index whole
            answered.append(search_ids(server.base, "denuclearization"))
            time.sleep(0.05)
        _, errors = reindexing.communicate()

        assert reindexing.returncode == 0, errors
        assert answered and all(ids == expected for ids in answered)
        after = current_path(index_dir)
        assert after != before
        assert f"search index rebuilt in {after}" in errors
        assert "46/46 quotes" in errors  # the progress bar's last figure
        assert search_ids(server.base, "denuclearization") == expected
        eventually(lambda: not before.exists())  # the indexer removes the replaced generation

        written = post_quote(server, new_key(fresh_database), "a pangolin after the rebuild")
        eventually(lambda: search_ids(server.base, '"pangolin after the rebuild"') == [written.json()["id"]])
        assert current_path(index_dir) == after
    finally:
        server.stop()
