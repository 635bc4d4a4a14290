"""GET /metrics: the Prometheus text of the service's metrics."""

import re

import httpx

from tests.fakes.openai_server import FakeOpenAI


def _value(metrics: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_metrics_are_prometheus_text(client: httpx.Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name in (
        "http_requests_total",
        "turn_duration_seconds",
        "turn_first_event_seconds",
        "turn_open_streams",
        "upstream_errors_total",
        "session_store_errors_total",
        "rate_limiter_errors_total",
    ):
        assert f"# TYPE {name} " in response.text


def test_a_turn_is_timed_from_arrival_to_first_event_and_to_its_end(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    before = client.get("/metrics").text
    client.post("/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]})
    after = client.get("/metrics").text
    first = "turn_first_event_seconds_count"
    done = 'turn_duration_seconds_count{outcome="completed"}'
    assert _value(after, first) - _value(before, first) == 1
    assert _value(after, done) - _value(before, done) == 1
    assert _value(after, "turn_open_streams") == 0


def test_upstream_errors_are_counted_by_kind(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    before = client.get("/metrics").text
    client.post(
        "/api/turn_response", json={"messages": [{"role": "user", "content": "[[error:500]]"}]}
    )
    client.post(
        "/api/turn_response", json={"messages": [{"role": "user", "content": "[[drop:2]]"}]}
    )
    after = client.get("/metrics").text
    for kind in ("status_500", "stream_disconnected"):
        sample = f'upstream_errors_total{{kind="{kind}"}}'
        assert _value(after, sample) - _value(before, sample) == 1


def test_the_session_store_counter_is_there_for_the_store_to_count() -> None:
    from lib.metrics import SESSION_STORE_ERRORS

    before = SESSION_STORE_ERRORS.labels("get")._value.get()
    SESSION_STORE_ERRORS.labels("get").inc()
    assert SESSION_STORE_ERRORS.labels("get")._value.get() == before + 1
