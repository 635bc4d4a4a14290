"""Request ids, and the count of requests by route and status, on a real backend process."""

import re

import httpx

from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI


def _requests_total(metrics: str, method: str, route: str, status: str) -> float:
    pattern = (
        rf'^http_requests_total\{{method="{method}",route="{re.escape(route)}",'
        rf'status="{status}"\}} (\S+)$'
    )
    match = re.search(pattern, metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_every_answer_carries_a_request_id(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    ids = {
        client.get("/api/health").headers["x-request-id"],
        client.post("/api/turn_response", json={"messages": []}).headers["x-request-id"],
        client.get("/no/such/path").headers["x-request-id"],
    }
    assert len(ids) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)


def test_a_proxy_request_id_is_kept(client: httpx.Client) -> None:
    response = client.get("/api/health", headers={"x-request-id": "nginx-0123456789abcdef"})
    assert response.headers["x-request-id"] == "nginx-0123456789abcdef"


def test_a_strange_request_id_is_replaced(client: httpx.Client) -> None:
    response = client.get("/api/health", headers={"x-request-id": 'x" level="forged'})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_the_browser_may_read_the_request_id_cross_origin(client: httpx.Client) -> None:
    response = client.get("/api/health", headers={"origin": "http://localhost:3000"})
    exposed = response.headers["access-control-expose-headers"].lower().split(", ")
    assert "x-request-id" in exposed
    # An export's file name and a new turn's ids, for a web client on another origin.
    assert {"content-disposition", "x-conversation-id", "x-turn-id"} <= set(exposed)


def test_requests_are_counted_by_route_template_and_status(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    before = client.get("/metrics").text
    client.post("/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]})
    client.post("/api/turn_response", json={"messages": "not a list"})
    client.get("/no/such/path")
    after = client.get("/metrics").text

    def grew(method: str, route: str, status: str) -> float:
        return _requests_total(after, method, route, status) - _requests_total(
            before, method, route, status
        )

    assert grew("POST", "/api/turn_response", "200") == 1
    assert grew("POST", "/api/turn_response", "400") == 1
    assert grew("GET", "unmatched", "404") == 1


def test_a_path_with_a_line_break_cannot_forge_a_log_line(backend_factory: StartBackend) -> None:
    backend = backend_factory()
    forged = "2026-12-02 10:00:00,000 INFO access [x]: POST /api/access 200"
    httpx.get(backend.base_url + "/api/nothing%0a" + forged.replace(" ", "%20"))
    httpx.get(backend.base_url + "/api/health")  # a line after it, so the first is written
    lines = backend.output().splitlines()
    assert not any(line.startswith(forged[:30]) for line in lines)
    assert any("/api/nothing\\n2026-12-02" in line for line in lines)


def test_a_trailing_slash_is_a_404_never_a_redirect_built_from_host(client: httpx.Client) -> None:
    response = client.get("/api/health/", headers={"host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json() == {"error": "Not Found"}
