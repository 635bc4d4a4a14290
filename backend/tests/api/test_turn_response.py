"""POST /api/turn_response against a real backend process and the fake OpenAI server."""

import asyncio
import json
import socket
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from config.constants import developer_prompt
from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI
from tests.sse_frames import expected_body, fixture_names, parse_frames


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def turn(
    client: httpx.Client, text: str, tools_state: dict[str, Any] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"messages": user(text)}
    if tools_state is not None:
        body["toolsState"] = tools_state
    return client.post("/api/turn_response", json=body)


@pytest.mark.parametrize("fixture", fixture_names())
def test_recorded_stream_is_forwarded_frame_for_frame(
    client: httpx.Client, fake_openai: FakeOpenAI, fixture: str
) -> None:
    response = turn(client, f"[[fixture:{fixture}]]")
    assert response.status_code == 200
    assert response.content == expected_body(fixture)


def test_stream_headers_follow_the_contract(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = turn(client, "[[fixture:text_basic]]")
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache, no-transform"
    assert response.headers["x-accel-buffering"] == "no"
    assert "connection" not in response.headers


def test_frames_use_bare_newlines(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    body = turn(client, "[[fixture:web_search]]").content
    assert b"\r" not in body
    assert b"event:" not in body
    assert b"[DONE]" not in body


def test_frames_parse_to_the_upstream_events(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    frames = parse_frames(turn(client, "Hello *there*").content)
    assert [f["event"] for f in frames][:2] == ["response.created", "response.in_progress"]
    assert frames[-1]["event"] == "response.completed"
    assert all(f["event"] == f["data"]["type"] for f in frames)
    text = "".join(f["data"]["delta"] for f in frames if f["event"] == "response.output_text.delta")
    assert text == "Hello *there*"


def test_upstream_call_carries_the_conversation_unchanged(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    messages = [
        {"role": "user", "content": "What is 1.0 + 1?"},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "2", "annotations": []}],
        },
        {"type": "function_call", "call_id": "call_1", "name": "get_joke", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": '{"joke": "x"}'},
    ]
    response = client.post(
        "/api/turn_response",
        json={"messages": messages, "toolsState": {}, "googleIntegrationEnabled": True},
    )
    assert response.status_code == 200
    sent = fake_openai.requests[-1]
    assert sent["input"] == messages
    assert sent["model"] == "gpt-5.2"
    assert sent["stream"] is True
    assert sent["parallel_tool_calls"] is False
    assert sent["tools"] == []


def test_instructions_end_with_the_date_line(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    before = date.today()
    turn(client, "hi")
    after = date.today()
    instructions = fake_openai.requests[-1]["instructions"]
    assert instructions in {developer_prompt(before), developer_prompt(after)}
    assert instructions.split("\n\n")[-1].startswith("Today is ")


def test_date_line_reads_like_the_contract() -> None:
    assert developer_prompt(date(2026, 11, 27)).endswith("\n\nToday is Friday, November 27, 2026.")
    assert developer_prompt(date(2026, 3, 1) - timedelta(days=0)).endswith(
        "Today is Sunday, March 1, 2026."
    )


def test_server_key_is_sent_only_as_bearer(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    turn(client, "hi")
    assert fake_openai.headers[-1]["authorization"] == "Bearer sk-test-not-a-real-key-0123456789"


def test_the_tools_built_from_tools_state_reach_the_upstream(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    # Which tools a toolsState makes is tests/lib/openai/test_tools.py; this is the round trip.
    state = {"webSearchEnabled": True, "codeInterpreterEnabled": True, "functionsEnabled": True}
    assert turn(client, "hi", state).status_code == 200
    tools = fake_openai.requests[-1]["tools"]
    assert [tool["type"] for tool in tools] == [
        "web_search",
        "code_interpreter",
        "function",
        "function",
    ]
    assert [tool.get("name") for tool in tools[2:]] == ["get_weather", "get_joke"]


def test_file_search_without_a_vector_store_is_refused(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "hi", {"fileSearchEnabled": True, "vectorStore": None})
    assert response.status_code == 400
    assert "toolsState.vectorStore.id" in response.json()["error"]
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("content", "status", "named"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"{}", 400, "messages"),
        (b'{"messages": "hello"}', 400, "messages"),
        (b'{"messages": ["hello"]}', 400, "messages.0"),
        (b'{"messages": [], "toolsState": 5}', 400, "toolsState"),
        (
            b'{"messages": [], "toolsState": {"webSearchEnabled": "maybe"}}',
            400,
            "toolsState.webSearchEnabled",
        ),
        (
            b'{"messages": [], "toolsState": {"mcpConfig": {"skip_approval": []}}}',
            400,
            "toolsState.mcpConfig.skip_approval",
        ),
        (b"[]", 400, "JSON object"),
    ],
)
def test_bad_requests_get_a_json_error_naming_the_field(
    client: httpx.Client, fake_openai: FakeOpenAI, content: bytes, status: int, named: str
) -> None:
    response = client.post(
        "/api/turn_response", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert named in response.json()["error"]
    assert fake_openai.requests == []


def _load_error(name: str) -> str:
    from tests.fakes.openai_server import FIXTURES_DIR

    message: str = json.loads((FIXTURES_DIR / name).read_text())["error"]["message"]
    return message


def test_upstream_400_keeps_its_status_and_message(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "[[error:400]]")
    assert response.status_code == 400
    assert response.json() == {"error": _load_error("error_400_invalid_param.json")}


def test_upstream_404_keeps_its_status(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = turn(client, "[[error:404]]")
    assert response.status_code == 404
    assert response.json() == {"error": _load_error("error_404_response_not_found.json")}


def test_upstream_429_keeps_status_and_retry_after(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "[[error:429]]")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json() == {"error": _load_error("error_429_insufficient_quota.json")}


def test_rejected_server_key_is_a_502_that_quotes_no_key(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "[[error:401]]")
    assert response.status_code == 502
    error = response.json()["error"]
    assert "rejected" in error and "OPENAI_API_KEY" in error
    assert "sk-" not in error and "****" not in error


def test_upstream_500_is_a_502(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = turn(client, "[[error:500]]")
    assert response.status_code == 502
    assert "OpenAI" in response.json()["error"]


def test_slow_upstream_is_a_504(backend_factory: StartBackend, fake_openai: FakeOpenAI) -> None:
    backend = backend_factory({"OPENAI_TIMEOUT": "0.3"})
    response = httpx.post(
        f"{backend.base_url}/api/turn_response",
        json={"messages": user("[[slow:1500]]")},
        timeout=10,
    )
    assert response.status_code == 504
    assert response.json()["error"] == "OpenAI did not answer in time; try again."


def test_unreachable_upstream_is_a_502(backend_factory: StartBackend) -> None:
    backend = backend_factory({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    response = httpx.post(f"{backend.base_url}/api/turn_response", json={"messages": user("hi")})
    assert response.status_code == 502
    assert response.json() == {"error": "Could not reach OpenAI; try again shortly."}


def test_without_a_key_the_service_runs_and_the_turn_is_503(backend_factory: StartBackend) -> None:
    backend = backend_factory({"OPENAI_API_KEY": None})
    health = httpx.get(f"{backend.base_url}/api/health").json()
    assert health["status"] == "ok" and health["openai_configured"] is False
    response = httpx.post(f"{backend.base_url}/api/turn_response", json={"messages": user("hi")})
    assert response.status_code == 503
    assert response.json() == {"error": "OPENAI_API_KEY is not set"}


def test_error_event_mid_stream_is_forwarded_as_frames(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "[[fixture:error_midstream_failed]]")
    assert response.status_code == 200
    events = [f["event"] for f in parse_frames(response.content)]
    assert events[-2:] == ["error", "response.failed"]


def test_broken_upstream_ends_with_one_error_frame(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(client, "[[drop:3]]")
    assert response.status_code == 200
    frames = parse_frames(response.content)
    deltas = [f for f in frames if f["event"] == "response.output_text.delta"]
    assert len(deltas) == 3
    last = frames[-1]
    assert last["event"] == "error"
    assert last["data"]["type"] == "error"
    assert set(last["data"]["error"]) == {"type", "code", "message"}
    assert [f["event"] for f in frames].count("error") == 1


def test_upstream_going_silent_mid_stream_ends_with_a_timeout_frame(
    backend_factory: StartBackend, fake_openai: FakeOpenAI
) -> None:
    backend = backend_factory({"OPENAI_TIMEOUT": "0.5"})
    response = httpx.post(
        f"{backend.base_url}/api/turn_response",
        json={"messages": user("[[synthetic:3:1500]]")},
        timeout=10,
    )
    frames = parse_frames(response.content)
    assert frames[-1]["event"] == "error"
    assert frames[-1]["data"]["error"]["code"] == "upstream_timeout"


def test_silence_is_filled_with_keepalive_comments(
    backend_factory: StartBackend, fake_openai: FakeOpenAI
) -> None:
    backend = backend_factory({"STREAM_KEEPALIVE_SECONDS": "0.1"})
    response = httpx.post(
        f"{backend.base_url}/api/turn_response",
        json={"messages": user("[[synthetic:1:300]]")},
        timeout=10,
    )
    assert b"\n: keep-alive\n\n" in response.content or response.content.startswith(b": keep-alive")
    # The comments do not disturb the frames the client reads.
    frames = parse_frames(response.content)
    assert frames[-1]["event"] == "response.completed"


def test_browser_leaving_closes_the_upstream_within_a_second(
    backend: Any, fake_openai: FakeOpenAI
) -> None:
    body = json.dumps({"messages": user("[[synthetic:400:50]]")}).encode()
    sock = socket.create_connection(("127.0.0.1", backend.port))
    sock.sendall(
        b"POST /api/turn_response HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    received = b""
    while received.count(b"response.output_text.delta") < 3:
        received += sock.recv(65536)
    sock.close()
    left_at = time.monotonic()
    record = fake_openai.streams[-1]
    while record.ended_at is None and time.monotonic() - left_at < 5:
        time.sleep(0.02)
    assert record.ended_at is not None
    assert record.ended_at - left_at < 1.0
    assert not record.completed


async def test_fifty_concurrent_streams_finish_intact(
    backend: Any, fake_openai: FakeOpenAI
) -> None:
    async def one(http: httpx.AsyncClient, index: int) -> list[dict[str, Any]]:
        response = await http.post(
            "/api/turn_response", json={"messages": user(f"[[synthetic:40:5]] #{index}")}
        )
        assert response.status_code == 200
        return parse_frames(response.content)

    limits = httpx.Limits(max_connections=60)
    async with httpx.AsyncClient(base_url=backend.base_url, timeout=60, limits=limits) as http:
        results = await asyncio.gather(*(one(http, i) for i in range(50)))
    for frames in results:
        deltas = [f["data"]["delta"] for f in frames if f["event"] == "response.output_text.delta"]
        assert deltas == [f"word{i} " for i in range(40)]
        assert frames[-1]["event"] == "response.completed"
        assert [f["data"]["sequence_number"] for f in frames] == list(range(len(frames)))


def test_each_turn_logs_one_line_without_contents_or_keys(
    backend_factory: StartBackend, fake_openai: FakeOpenAI
) -> None:
    backend = backend_factory()
    httpx.post(
        f"{backend.base_url}/api/turn_response",
        json={"messages": user("my secret diary entry")},
    )
    time.sleep(0.2)
    log = backend.output()
    turn_lines = [line for line in log.splitlines() if "turn ended" in line]
    assert len(turn_lines) == 1
    assert "completed" in turn_lines[0] and "events" in turn_lines[0]
    assert "secret diary" not in log
    assert "sk-test-not-a-real-key" not in log


def test_a_body_of_countless_empty_objects_is_refused_before_it_is_parsed(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    # 690,000 `{}` fit in 2 MB and used to cost 100 MB and half a second of the event loop.
    body = b'{"messages": [' + b",".join([b"{}"] * 690_000) + b"]}"
    response = client.post(
        "/api/turn_response", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "JSON objects" in response.json()["error"]
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("messages", "named"),
    [
        ([{"role": "user", "content": "hi"}] * 1001, "messages"),
        ([{"content": "no role, no type"}], "neither a `role` nor a `type`"),
    ],
)
def test_turn_items_are_counted_and_must_be_items(
    client: httpx.Client, fake_openai: FakeOpenAI, messages: list[dict[str, Any]], named: str
) -> None:
    response = client.post("/api/turn_response", json={"messages": messages})
    assert response.status_code == 400
    assert named in response.json()["error"]
    assert fake_openai.requests == []
