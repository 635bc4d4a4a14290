"""The conversation routes over real sockets, on SQLite and on PostgreSQL."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.conftest import StartBackend


@pytest.fixture(scope="module")
def conversations_backend(backend_factory: StartBackend, database_url: str) -> BackendProcess:
    return backend_factory({"DATABASE_URL": database_url})


@pytest.fixture
def browser(conversations_backend: BackendProcess) -> Iterator[httpx.Client]:
    """A browser of its own: a new session, so a new owner."""
    with httpx.Client(base_url=conversations_backend.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def stranger(conversations_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=conversations_backend.base_url, timeout=30) as http:
        yield http


def create(browser: httpx.Client, title: str | None = None) -> dict[str, Any]:
    response = browser.post("/api/conversations", json={"title": title} if title else None)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def message(mid: str, parent: str | None, role: str, text: str, **extra: Any) -> dict[str, Any]:
    items: list[dict[str, Any]]
    if role == "user":
        items = [{"role": "user", "content": text}]
    else:
        items = [
            {"id": f"rs_{mid}", "type": "reasoning", "summary": [], "encrypted_content": "SECRET"},
            {
                "id": f"out_{mid}",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            },
        ]
    return {
        "id": mid,
        "parent_id": parent,
        "role": role,
        "status": "completed",
        "items": items,
        "text": text,
        "model": None if role == "user" else "gpt-test",
        "usage": None,
        "cost_usd": None,
        "created_at": "2026-11-30T10:00:00Z",
        **extra,
    }


def an_export(title: str = "Trip", current: str | None = "a2") -> dict[str, Any]:
    """u1 -> a1, and u1 -> a2 (a regenerated answer); the active path ends at `current`."""
    return {
        "format": "responses-chat.conversation",
        "version": 1,
        "conversation": {
            "title": title,
            "created_at": "2026-11-30T10:00:00Z",
            "updated_at": "2026-11-30T10:05:00Z",
            "current_message_id": current,
        },
        "messages": [
            message("u1", None, "user", "Plan a trip to Lisbon with pastel de nata"),
            message("a1", "u1", "assistant", "Day one: Alfama."),
            message("a2", "u1", "assistant", "Day one: Belém and its custard tarts."),
        ],
    }


def imported(browser: httpx.Client, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = browser.post("/api/conversations/import", json=body or an_export())
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --- create, read, update, delete


def test_a_new_conversation_is_empty_and_the_browser_gets_a_session(browser: httpx.Client) -> None:
    response = browser.post("/api/conversations", json={"title": "Recipes"})
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Recipes" and body["messages"] == []
    assert body["id"].startswith("conv_")
    assert body["created_at"].endswith("Z")
    assert "chat_session" in browser.cookies
    assert browser.get(f"/api/conversations/{body['id']}").json() == body


def test_another_owners_conversation_is_not_found_like_a_missing_one(
    browser: httpx.Client, stranger: httpx.Client
) -> None:
    mine = create(browser, "Private")
    for response in (
        stranger.get(f"/api/conversations/{mine['id']}"),
        stranger.patch(f"/api/conversations/{mine['id']}", json={"title": "x"}),
        stranger.delete(f"/api/conversations/{mine['id']}"),
        stranger.get(f"/api/conversations/{mine['id']}/export"),
        stranger.get("/api/conversations/conv_00000000000000000000000000000000"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "No such conversation."}
    assert stranger.get("/api/conversations").json()["data"] == []
    assert browser.get(f"/api/conversations/{mine['id']}").status_code == 200


def test_renaming_keeps_the_title_and_deleting_removes_everything(browser: httpx.Client) -> None:
    conversation = imported(browser)
    renamed = browser.patch(
        f"/api/conversations/{conversation['id']}", json={"title": " New  name "}
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "New name"
    assert browser.delete(f"/api/conversations/{conversation['id']}").status_code == 204
    assert browser.get(f"/api/conversations/{conversation['id']}").status_code == 404
    assert browser.get("/api/conversations", params={"q": "custard"}).json()["data"] == []


def test_the_active_path_follows_the_newest_child_and_the_switcher_picks_a_branch(
    browser: httpx.Client,
) -> None:
    conversation = imported(browser, an_export(current=None))
    path = conversation["messages"]
    assert [m["text"] for m in path] == [
        "Plan a trip to Lisbon with pastel de nata",
        "Day one: Belém and its custard tarts.",
    ]
    first, second = path[1]["sibling_ids"]
    assert path[1]["id"] == second
    assert path[0]["sibling_ids"] == [path[0]["id"]]
    switched = browser.patch(
        f"/api/conversations/{conversation['id']}", json={"current_message_id": first}
    ).json()
    assert switched["messages"][-1]["text"] == "Day one: Alfama."
    assert browser.get(f"/api/conversations/{conversation['id']}").json() == switched


def test_messages_never_show_encrypted_reasoning(browser: httpx.Client) -> None:
    conversation = imported(browser)
    assert "SECRET" not in json.dumps(conversation)
    reasoning = conversation["messages"][-1]["items"][0]
    assert reasoning["type"] == "reasoning" and "encrypted_content" not in reasoning


# --- the list: order, paging, search


def test_the_list_is_most_recently_updated_first_and_pages_with_a_cursor(
    browser: httpx.Client,
) -> None:
    made = [create(browser, f"Page test {i}")["id"] for i in range(5)]
    browser.patch(f"/api/conversations/{made[0]}", json={"title": "Page test 0 again"})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = browser.get("/api/conversations", params=params).json()
        seen += [item["id"] for item in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [made[0], made[4], made[3], made[2], made[1]]
    assert pages == 3


def test_a_cursor_of_another_query_or_owner_or_edited_is_a_400(
    browser: httpx.Client, stranger: httpx.Client
) -> None:
    for i in range(3):
        create(browser, f"Cursor test {i}")
    cursor = browser.get("/api/conversations", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    tries = [
        browser.get("/api/conversations", params={"limit": 1, "cursor": cursor, "q": "other"}),
        stranger.get("/api/conversations", params={"limit": 1, "cursor": cursor}),
        browser.get("/api/conversations", params={"limit": 1, "cursor": cursor[:-2] + "xx"}),
        browser.get("/api/conversations", params={"cursor": "not-a-cursor"}),
    ]
    for response in tries:
        assert response.status_code == 400
        assert response.json()["error"].startswith("cursor:")


def test_search_finds_words_in_titles_and_messages_case_insensitively_with_a_snippet(
    browser: httpx.Client,
) -> None:
    trip = imported(browser)
    create(browser, "Unrelated recipes")
    hits = browser.get("/api/conversations", params={"q": "CUSTARD"}).json()["data"]
    assert [hit["id"] for hit in hits] == [trip["id"]]
    assert "custard" in hits[0]["snippet"].lower()
    by_title = browser.get("/api/conversations", params={"q": "unrelated"}).json()["data"]
    assert [hit["title"] for hit in by_title] == ["Unrelated recipes"]
    prefix = browser.get("/api/conversations", params={"q": "Lisb"}).json()["data"]
    assert [hit["id"] for hit in prefix] == [trip["id"]]


@pytest.mark.parametrize(
    "query",
    [
        '"custard',
        "custard*",
        "-custard",
        "custard NEAR tarts",
        "100%",
        "'; DROP TABLE x; --",
        "((( ",
        "*",
        "NEAR",
        "AND OR NOT",
    ],
)
def test_search_syntax_in_the_query_is_read_as_words_never_a_500(
    browser: httpx.Client, query: str
) -> None:
    imported(browser)
    response = browser.get("/api/conversations", params={"q": query})
    assert response.status_code == 200
    if query.strip('"*-') == "custard":
        # The one word the query holds, found like any word.
        assert len(response.json()["data"]) == 1


def test_search_pages_too(browser: httpx.Client) -> None:
    for _ in range(3):
        imported(browser)
    first = browser.get("/api/conversations", params={"q": "lisbon", "limit": 2}).json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    rest = browser.get(
        "/api/conversations", params={"q": "lisbon", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert len(rest["data"]) == 1 and rest["next_cursor"] is None


# --- export and import


def test_export_as_json_keeps_the_tree_without_secrets_and_imports_back(
    browser: httpx.Client,
) -> None:
    original = imported(browser)
    response = browser.get(f"/api/conversations/{original['id']}/export", params={"format": "json"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    export = response.json()
    assert export["format"] == "responses-chat.conversation" and export["version"] == 1
    assert len(export["messages"]) == 3
    assert "encrypted_content" not in response.text
    again = imported(browser, export)
    assert again["id"] != original["id"]
    assert [m["text"] for m in again["messages"]] == [m["text"] for m in original["messages"]]
    assert {m["id"] for m in again["messages"]}.isdisjoint({m["id"] for m in original["messages"]})
    assert len(again["messages"][-1]["sibling_ids"]) == 2


def test_export_as_markdown_is_the_active_path(browser: httpx.Client) -> None:
    conversation = imported(browser)
    response = browser.get(
        f"/api/conversations/{conversation['id']}/export", params={"format": "markdown"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert 'filename="Trip.md"' in response.headers["content-disposition"]
    assert response.text.startswith("# Trip")
    assert "Belém" in response.text and "Alfama" not in response.text


def test_an_import_with_too_many_messages_is_a_413_with_a_sentence(browser: httpx.Client) -> None:
    export = an_export(current=None)
    first = export["messages"][0]
    export["messages"] = [
        {**first, "id": f"m{i}", "parent_id": None, "items": [], "text": ""} for i in range(10_001)
    ]
    response = browser.post("/api/conversations/import", json=export)
    assert response.status_code == 413
    assert "10,000" in response.json()["error"]


def test_an_import_over_ten_mib_is_a_413(browser: httpx.Client) -> None:
    body = b'{"format": "' + b"x" * (10 * 1024 * 1024 + 10) + b'"}'
    response = browser.post(
        "/api/conversations/import", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda e: e.update(format="something-else"), "format"),
        (lambda e: e.update(version=2), "version"),
        (lambda e: e["messages"][1].update(parent_id="nobody"), "messages.1.parent_id"),
        (lambda e: e["messages"][1].update(role="system"), "messages.1.role"),
        (lambda e: e["conversation"].update(current_message_id="zz"), "current_message_id"),
        (lambda e: e["messages"].append(e["messages"][0]), "appears twice"),
    ],
)
def test_a_broken_import_is_a_400_naming_the_problem(
    browser: httpx.Client, change: Any, named: str
) -> None:
    export = an_export()
    change(export)
    response = browser.post("/api/conversations/import", json=export)
    assert response.status_code == 400
    assert named in response.json()["error"]


# --- bad input


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "named"),
    [
        ("get", "/api/conversations", {"params": {"limit": 0}}, "limit"),
        ("get", "/api/conversations", {"params": {"limit": 101}}, "limit"),
        ("get", "/api/conversations", {"params": {"limit": "many"}}, "limit"),
        ("post", "/api/conversations", {"json": {"title": "x" * 201}}, "title"),
        ("post", "/api/conversations", {"json": {"title": 5}}, "title"),
        ("post", "/api/conversations", {"content": b"{nope"}, "not valid JSON"),
        ("post", "/api/conversations/import", {"content": b"[]"}, "JSON object"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    browser: httpx.Client, method: str, path: str, kwargs: dict[str, Any], named: str
) -> None:
    if "content" in kwargs:
        kwargs = {**kwargs, "headers": {"content-type": "application/json"}}
    response = getattr(browser, method)(path, **kwargs)
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]


def test_a_current_message_of_another_conversation_is_a_400(browser: httpx.Client) -> None:
    one = imported(browser)
    other = imported(browser)
    response = browser.patch(
        f"/api/conversations/{one['id']}",
        json={"current_message_id": other["messages"][0]["id"]},
    )
    assert response.status_code == 400
    assert "current_message_id" in response.json()["error"]


def test_a_database_that_is_down_is_a_503_within_two_seconds_and_turns_go_on(
    backend_factory: StartBackend,
) -> None:
    down = backend_factory({"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:9/nothing"})
    with httpx.Client(base_url=down.base_url, timeout=10) as http:
        started = time.monotonic()
        response = http.get("/api/conversations")
        assert time.monotonic() - started < 2.5
        assert response.status_code == 503
        assert "database" in response.json()["error"]
        turn = http.post(
            "/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]}
        )
        assert turn.status_code == 200
