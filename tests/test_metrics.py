"""GET /metrics in Prometheus' format."""

from prometheus_client.parser import text_string_to_metric_families


def samples(client) -> dict:
    text = client.get("/metrics").get_data(as_text=True)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_latency_pool_and_imports_are_counted(client):
    route = (("method", "GET"), ("route", "/v1/quotes/<id:quote_id>"), ("status", "200"))
    before = samples(client).get(("onrecord_requests_total", route), 0)
    client.get("/v1/quotes/1")
    client.post("/v1/imports", data=b'{"not": "a quote"}\n', content_type="application/x-ndjson")
    after = samples(client)
    assert after[("onrecord_requests_total", route)] == before + 1
    latency = (("method", "GET"), ("route", "/v1/quotes/<id:quote_id>"))
    assert after[("onrecord_request_duration_seconds_count", latency)] >= 1
    assert after[("onrecord_import_lines_total", (("outcome", "failed"),))] >= 1
    assert ("onrecord_db_pool_connections_in_use", ()) in after


def requests_by_method(client) -> dict[str, float]:
    """onrecord_requests_total summed by its `method` label."""
    counted = {}
    for (name, labels), value in samples(client).items():
        if name == "onrecord_requests_total":
            method = dict(labels)["method"]
            counted[method] = counted.get(method, 0) + value
    return counted


def test_methods_outside_the_standard_set_share_one_label(client):
    before = requests_by_method(client).get("other", 0)
    for method in ("RTPROBEMETHOD", "BREW"):
        assert client.open("/v1/quotes", method=method).status_code == 405
    after = requests_by_method(client)
    assert after.get("other", 0) == before + 2
    assert set(after) <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
