"""X-Min-Position on a search: it waits for the index to hold that WAL position, or says
it cannot yet (503 problem+json with Retry-After); /ready and /metrics show the lag."""

import time

from service.search.index import WAIT_SECONDS


class TestMinPosition:
    def test_a_search_beyond_the_index_answers_503_after_waiting(self, client):
        began = time.monotonic()
        response = client.get("/v1/quotes?q=Putin", headers={"X-Min-Position": "FFFFFFFF/0"})
        assert time.monotonic() - began >= WAIT_SECONDS
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
        assert "X-Min-Position" in response.get_json()["detail"]

    def test_a_search_at_the_index_position_answers_at_once(self, client):
        position = client.get("/ready").get_json()["search_index"]["position"]
        response = client.get("/v1/quotes?q=Putin", headers={"X-Min-Position": position})
        assert response.status_code == 200 and response.get_json()["items"]

    def test_a_read_that_does_not_search_does_not_wait(self, client):
        response = client.get("/v1/quotes?lang=ru", headers={"X-Min-Position": "FFFFFFFF/0"})
        assert response.status_code == 200


class TestLag:
    def test_ready_reports_the_index(self, client):
        index = client.get("/ready").get_json()["search_index"]
        assert index["status"] == "ready" and index["lag_seconds"] == 0 and "/" in index["position"]

    def test_metrics_export_the_lag(self, client):
        assert "onrecord_search_index_lag_seconds 0.0" in client.get("/metrics").text
