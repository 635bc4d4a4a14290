"""Requests another website makes the browser send are refused; the page's own go through."""

import httpx
import pytest

from lib.server.cross_site import allowed_origins
from tests.backend_process import BackendProcess


@pytest.fixture
def browser(backend: BackendProcess) -> httpx.Client:
    client = httpx.Client(base_url=backend.base_url, timeout=30)
    client.post("/api/conversations", json={})  # now it has its session cookie
    return client


def test_a_cross_site_post_with_the_cookie_is_refused(browser: httpx.Client) -> None:
    for path, kwargs in (
        ("/api/conversations", {"json": {}}),
        ("/api/google/disconnect", {}),
        ("/api/vector_stores/upload_file", {"files": {"file": ("a.txt", b"hello")}}),
    ):
        response = browser.post(path, headers={"origin": "https://evil.example"}, **kwargs)
        assert response.status_code == 403, path
        assert "another site" in response.json()["error"]


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:3000"])
def test_the_page_s_own_origin_goes_through_by_either_loopback_name(
    browser: httpx.Client, origin: str
) -> None:
    response = browser.post("/api/conversations", json={}, headers={"origin": origin})
    assert response.status_code == 201


def test_a_script_without_cookie_or_origin_is_not_refused(backend: BackendProcess) -> None:
    response = httpx.post(backend.base_url + "/api/conversations", json={})
    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_json_route_refuses_a_body_of_another_type(
    browser: httpx.Client, content_type: str
) -> None:
    response = browser.post(
        "/api/conversations", content=b'{"title": "x"}', headers={"content-type": content_type}
    )
    assert response.status_code == 415
    assert "JSON" in response.json()["error"]


def test_the_loopback_names_are_allowed_both_ways() -> None:
    assert allowed_origins(["http://localhost:3000/"]) == {
        "http://localhost:3000",
        "http://127.0.0.1:3000",
    }
    assert allowed_origins(["https://chat.example.com"]) == {"https://chat.example.com"}
