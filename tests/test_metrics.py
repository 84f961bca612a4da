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
