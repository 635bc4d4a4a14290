"""GET /metrics: the Prometheus text of the service's metrics."""

import re
import time

import httpx

from tests.fakes.openai_server import FakeOpenAI


def _value(metrics: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _settled(client: httpx.Client, samples: dict[str, float], before: str) -> str:
    """The metrics once each sample has moved by its delta: a turn is counted after its last
    byte has gone out, so the client can finish reading a moment before the count."""
    deadline = time.monotonic() + 10
    while True:
        after = client.get("/metrics").text
        moved = all(_value(after, s) - _value(before, s) == d for s, d in samples.items())
        if moved or time.monotonic() > deadline:
            return after
        time.sleep(0.02)


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
    first = "turn_first_event_seconds_count"
    done = 'turn_duration_seconds_count{outcome="completed"}'
    after = _settled(client, {first: 1, done: 1}, before)
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
    samples = {
        f'upstream_errors_total{{kind="{kind}"}}': 1.0
        for kind in ("status_500", "stream_disconnected")
    }
    after = _settled(client, samples, before)
    for sample in samples:
        assert _value(after, sample) - _value(before, sample) == 1
