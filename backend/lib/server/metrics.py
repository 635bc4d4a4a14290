"""The service's Prometheus metrics, served at GET /metrics.

Under gunicorn every worker keeps its own values; PROMETHEUS_MULTIPROC_DIR (set by
gunicorn.conf.py before any worker starts) makes prometheus_client keep them in files there, and
the scrape adds them up, so one scrape of any worker sees the whole machine. Other modules import
the metric they count, e.g. `from lib.server.metrics import SESSION_STORE_ERRORS`.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "http_requests_total",
    "Requests answered, by route template (not raw path: bounded label values) and status.",
    ["method", "route", "status"],
)
TURN_DURATION = Histogram(
    "turn_duration_seconds",
    "From the start of a turn's stream to its end, by how it ended.",
    ["outcome"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
FIRST_EVENT_LATENCY = Histogram(
    "turn_first_event_seconds",
    "From a turn request's arrival to its first frame leaving for the browser.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
OPEN_STREAMS = Gauge(
    "turn_open_streams",
    "Chat streams open now; a dead worker's streams drop out with it.",
    multiprocess_mode="livesum",
)
UPSTREAM_ERRORS = Counter(
    "upstream_errors_total",
    "Failed calls to OpenAI by kind (timeout, connection, status_<code>, stream_<what>).",
    ["kind"],
)
TOKENS = Counter(
    "tokens_total",
    "Tokens used, by model and kind (input, cached, output, reasoning, total); no owner label.",
    ["model", "kind"],
)
SESSION_STORE_ERRORS = Counter(
    "session_store_errors_total",
    "Session store operations that failed or timed out, by operation.",
    ["operation"],
)
LIMITER_ERRORS = Counter(
    "rate_limiter_errors_total",
    "Rate-limit or stream-cap checks that failed (Redis down); the request was let through.",
)
REJECTED = Counter(
    "requests_rejected_total",
    "Requests refused before reaching a route, by reason.",
    ["reason"],
)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    if os.environ.get(MULTIPROC_DIR_VARIABLE):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
