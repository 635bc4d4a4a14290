"""Turns of server-kept conversations over real sockets: a run outlives its connection."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.web_services import FakeWebServices


@pytest.fixture(scope="module")
def runs_backend(backend_factory: StartBackend) -> BackendProcess:
    return backend_factory({"RUN_REPLAY_SECONDS": "3", "STREAM_KEEPALIVE_SECONDS": "0.5"})


@pytest.fixture
def browser(runs_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runs_backend.base_url, timeout=30) as http:
        yield http


def new_conversation(browser: httpx.Client) -> str:
    conversation_id: str = browser.post("/api/conversations", json={}).json()["id"]
    return conversation_id


def frames_of(body: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(id, {"event", "data"}) of every frame; keep-alive comments are skipped."""
    frames = []
    for block in body.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "data" in lines:
            frames.append((int(lines["id"]), json.loads(lines["data"])))
    return frames


def turn(browser: httpx.Client, conversation_id: str, **body: Any) -> httpx.Response:
    return browser.post(f"/api/conversations/{conversation_id}/turns", json=body)


def events(browser: httpx.Client, conversation_id: str, turn_id: str, **kw: Any) -> httpx.Response:
    return browser.get(f"/api/conversations/{conversation_id}/turns/{turn_id}/events", **kw)


def wait_until_ended(browser: httpx.Client, conversation_id: str, turn_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        conversation = browser.get(f"/api/conversations/{conversation_id}").json()
        answer: dict[str, Any] = next(m for m in conversation["messages"] if m["id"] == turn_id)
        if answer["status"] != "streaming":
            return answer
        time.sleep(0.1)
    raise AssertionError("the turn did not end")


def test_a_turn_streams_numbered_frames_from_started_to_ended(browser: httpx.Client) -> None:
    conversation_id = new_conversation(browser)
    response = turn(browser, conversation_id, text="Hello there")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache, no-transform"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-conversation-id"] == conversation_id
    turn_id = response.headers["x-turn-id"]
    frames = frames_of(response.content)
    assert [number for number, _ in frames] == list(range(1, len(frames) + 1))
    started, ended = frames[0][1], frames[-1][1]
    assert started["event"] == "turn.started"
    assert started["data"]["turn_id"] == turn_id
    assert started["data"]["conversation_id"] == conversation_id
    assert ended["event"] == "turn.ended"
    assert ended["data"]["status"] == "completed"
    assert ended["data"]["usage"]["total_tokens"] > 0
    kinds = [frame["event"] for _, frame in frames]
    assert "response.output_text.delta" in kinds and "conversation.title" in kinds
    stored = browser.get(f"/api/conversations/{conversation_id}").json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][1]["text"] == "Hello there"
    assert stored["messages"][1]["usage"] == ended["data"]["usage"]


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("[[error:500]]", "upstream_refused", ""),
        ("[[fixture:error_midstream_failed]]", None, "exceeded your current quota"),
    ],
    ids=["refused", "failed_midstream"],
)
def test_a_failed_answer_keeps_why_for_whoever_opens_it_later(
    browser: httpx.Client, text: str, code: str | None, words: str
) -> None:
    conversation_id = new_conversation(browser)
    frames = frames_of(turn(browser, conversation_id, text=text).content)
    said = [frame["data"] for _, frame in frames if frame["event"] == "error"]
    assert said and frames[-1][1]["data"]["status"] == "failed"
    answer = browser.get(f"/api/conversations/{conversation_id}").json()["messages"][-1]
    assert answer["status"] == "failed"
    assert answer["error"]["message"]
    assert words in answer["error"]["message"]
    if code is not None:
        assert answer["error"]["code"] == code
    # What the stream said last is what is kept.
    last = said[-1].get("error", said[-1])
    assert answer["error"]["message"] == last["message"]


def test_a_completed_answer_has_no_error(browser: httpx.Client) -> None:
    conversation_id = new_conversation(browser)
    turn(browser, conversation_id, text="all fine")
    answer = browser.get(f"/api/conversations/{conversation_id}").json()["messages"][-1]
    assert (answer["status"], answer["error"]) == ("completed", None)


def test_the_next_turn_sends_the_stored_conversation_upstream(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    conversation_id = new_conversation(browser)
    turn(browser, conversation_id, text="first question")
    turn(browser, conversation_id, input=[{"role": "user", "content": "second question"}])
    sent = [r for r in fake_openai.requests if r.get("stream")][-1]["input"]
    assert sent[0] == {"role": "user", "content": "first question"}
    assert sent[1]["type"] == "message" and sent[1]["role"] == "assistant"
    assert sent[2] == {"role": "user", "content": "second question"}


def test_a_dropped_connection_resumes_with_last_event_id_without_gap_or_duplicate(
    runs_backend: BackendProcess, browser: httpx.Client
) -> None:
    conversation_id = new_conversation(browser)
    seen = b""
    with browser.stream(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": "[[synthetic:40:40]]"}
    ) as response:
        turn_id = response.headers["x-turn-id"]
        for chunk in response.iter_bytes():
            seen += chunk
            if seen.count(b"response.output_text.delta") >= 5 and seen.endswith(b"\n\n"):
                break
    first = frames_of(seen)
    last_id = first[-1][0]
    rest = events(browser, conversation_id, turn_id, headers={"Last-Event-ID": str(last_id)})
    assert rest.status_code == 200
    resumed = frames_of(rest.content)
    assert resumed[0][0] == last_id + 1
    whole = frames_of(events(browser, conversation_id, turn_id, params={"after": 0}).content)
    assert first + resumed == whole
    assert whole[-1][1]["data"]["status"] == "completed"
    answer = wait_until_ended(browser, conversation_id, turn_id)
    assert answer["text"] == "".join(f"word{i} " for i in range(40))


def test_a_run_goes_on_when_its_connection_closes_and_is_stored_complete(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    conversation_id = new_conversation(browser)
    with browser.stream(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": "[[synthetic:20:50]]"}
    ) as response:
        turn_id = response.headers["x-turn-id"]
        next(response.iter_bytes())
    answer = wait_until_ended(browser, conversation_id, turn_id)
    assert answer["status"] == "completed"
    assert answer["text"] == "".join(f"word{i} " for i in range(20))
    assert fake_openai.streams[-1].completed


def test_two_listeners_both_get_every_frame(
    browser: httpx.Client, runs_backend: BackendProcess
) -> None:
    conversation_id = new_conversation(browser)
    with browser.stream(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": "[[synthetic:20:30]]"}
    ) as response:
        turn_id = response.headers["x-turn-id"]
        with httpx.Client(base_url=runs_backend.base_url, cookies=browser.cookies) as tab:
            second = events(tab, conversation_id, turn_id).content
        first = response.read()
    assert frames_of(first) == frames_of(second)
    assert frames_of(first)[-1][1]["event"] == "turn.ended"


def test_cancel_closes_the_upstream_within_a_second_and_keeps_what_arrived(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    conversation_id = new_conversation(browser)
    seen = b""
    with browser.stream(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": "[[synthetic:400:50]]"}
    ) as response:
        turn_id = response.headers["x-turn-id"]
        chunks = response.iter_bytes()
        for chunk in chunks:
            seen += chunk
            if seen.count(b'"event": "response.output_text.delta"') >= 3:
                break
        asked = time.monotonic()
        cancelled = browser.post(f"/api/conversations/{conversation_id}/turns/{turn_id}/cancel")
        assert cancelled.status_code == 202
        assert cancelled.json() == {"status": "cancelled"}
        rest = b"".join(chunks)
    record = fake_openai.streams[-1]
    while record.ended_at is None and time.monotonic() - asked < 5:
        time.sleep(0.02)
    assert record.ended_at is not None and record.ended_at - asked < 1.0
    assert not record.completed
    assert frames_of(seen + rest)[-1][1]["data"]["status"] == "cancelled"
    answer = wait_until_ended(browser, conversation_id, turn_id)
    assert answer["status"] == "cancelled"
    assert answer["text"].startswith("word0 word1 word2")
    assert answer["items"][-1]["status"] == "incomplete"
    again = browser.post(f"/api/conversations/{conversation_id}/turns/{turn_id}/cancel")
    assert again.json() == {"status": "cancelled"}


def test_one_turn_at_a_time_per_conversation(browser: httpx.Client) -> None:
    conversation_id = new_conversation(browser)
    with browser.stream(
        "POST", f"/api/conversations/{conversation_id}/turns", json={"text": "[[synthetic:30:50]]"}
    ) as response:
        chunks = response.iter_bytes()
        next(chunks)
        second = turn(browser, conversation_id, text="me too")
        assert second.status_code == 409
        assert "error" in second.json()
        b"".join(chunks)


def test_a_finished_turn_stays_replayable_then_is_gone(browser: httpx.Client) -> None:
    conversation_id = new_conversation(browser)
    turn_id = turn(browser, conversation_id, text="short").headers["x-turn-id"]
    assert events(browser, conversation_id, turn_id).status_code == 200
    time.sleep(3.5)  # RUN_REPLAY_SECONDS of this backend is 3
    gone = events(browser, conversation_id, turn_id)
    assert gone.status_code == 410
    assert "reload" in gone.json()["error"]


def test_a_function_the_model_calls_runs_on_the_server_and_the_turn_goes_on(
    browser: httpx.Client, fake_openai: FakeOpenAI, fake_web_services: FakeWebServices
) -> None:
    conversation_id = new_conversation(browser)
    response = turn(
        browser,
        conversation_id,
        text="[[function:get_joke:{}]]",
        toolsState={"functionsEnabled": True},
    )
    frames = [frame for _, frame in frames_of(response.content)]
    outputs = [f["data"]["item"] for f in frames if f["event"] == "function_call.output"]
    assert len(outputs) == 1 and "joke" in json.loads(outputs[0]["output"])
    assert frames[-1]["data"]["status"] == "completed"
    second_call = [r for r in fake_openai.requests if r.get("stream")][-1]
    assert second_call["input"][-1] == outputs[0]
    assert second_call["input"][-2]["type"] == "function_call"
    stored = browser.get(f"/api/conversations/{conversation_id}").json()["messages"][-1]
    assert [item["type"] for item in stored["items"]] == [
        "function_call",
        "function_call_output",
        "message",
    ]
    assert stored["text"].startswith("The function returned:")


def test_a_function_that_fails_answers_the_model_with_an_error_object(
    browser: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    conversation_id = new_conversation(browser)
    arguments = json.dumps({"location": "Nowhere-at-all-xyz", "unit": "celsius"})
    response = turn(
        browser,
        conversation_id,
        text=f"[[function:get_weather:{arguments}]]",
        toolsState={"functionsEnabled": True},
    )
    frames = [frame for _, frame in frames_of(response.content)]
    (output,) = [f["data"]["item"] for f in frames if f["event"] == "function_call.output"]
    assert "error" in json.loads(output["output"])
    assert frames[-1]["data"]["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "exactly one"),
        ({"text": "a", "input": [{"role": "user", "content": "b"}]}, "exactly one"),
        ({"input": [{"role": "assistant", "content": "x"}]}, "input.0"),
        ({"input": ["hello"]}, "input.0"),
        ({"text": "hi", "model": "gpt-imaginary"}, "model"),
        ({"text": "hi", "reasoning": {"effort": "extreme"}}, "reasoning.effort"),
        ({"text": "hi", "toolsState": {"webSearchEnabled": []}}, "toolsState"),
    ],
)
def test_bad_turns_are_a_400_naming_the_field(
    browser: httpx.Client, body: dict[str, Any], named: str, fake_openai: FakeOpenAI
) -> None:
    conversation_id = new_conversation(browser)
    response = turn(browser, conversation_id, **body)
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]
    assert not [r for r in fake_openai.requests if r.get("stream")]


def test_another_owners_turns_are_not_found(
    browser: httpx.Client, runs_backend: BackendProcess
) -> None:
    conversation_id = new_conversation(browser)
    turn_id = turn(browser, conversation_id, text="mine").headers["x-turn-id"]
    with httpx.Client(base_url=runs_backend.base_url) as stranger:
        assert turn(stranger, conversation_id, text="hi").status_code == 404
        assert events(stranger, conversation_id, turn_id).status_code == 404
        cancel = f"/api/conversations/{conversation_id}/turns/{turn_id}/cancel"
        assert stranger.post(cancel).status_code == 404
    assert events(browser, conversation_id, "msg_" + "0" * 32).status_code == 404
    bad = events(browser, conversation_id, turn_id, headers={"Last-Event-ID": "seven"})
    assert bad.status_code == 400
