"""GET /api/models, the turn's model and reasoning upstream, usage, cost and budgets."""

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.test_turns import frames_of
from tests.backend_process import BackendProcess
from tests.conftest import StartBackend
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture(scope="module")
def models_backend(backend_factory: StartBackend) -> BackendProcess:
    return backend_factory(
        {
            "OPENAI_MODEL": "gpt-5",
            "OPENAI_MODELS": "gpt-5,gpt-4.1",
            "OPENAI_STORE": "false",
        }
    )


@pytest.fixture(scope="module")
def budget_backend(backend_factory: StartBackend) -> BackendProcess:
    return backend_factory({"OPENAI_MODEL": "gpt-5", "TOKEN_BUDGET_DAILY": "200"})


@pytest.fixture
def browser(models_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=models_backend.base_url, timeout=30) as http:
        yield http


def conversation(browser: httpx.Client) -> str:
    conversation_id: str = browser.post("/api/conversations", json={}).json()["id"]
    return conversation_id


def turn(browser: httpx.Client, conversation_id: str, **body: Any) -> httpx.Response:
    return browser.post(f"/api/conversations/{conversation_id}/turns", json=body)


def streamed_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [r for r in fake.requests if r.get("stream")]


def test_models_lists_the_allowed_models_with_their_efforts(browser: httpx.Client) -> None:
    listing = browser.get("/api/models").json()
    assert listing["default"] == "gpt-5"
    assert [m["id"] for m in listing["models"]] == ["gpt-5", "gpt-4.1"]
    assert listing["models"][0]["reasoning"]["default"] == "medium"
    assert listing["models"][1]["reasoning"] is None


def test_model_and_effort_reach_the_upstream_with_store_off(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = turn(
        browser,
        conversation(browser),
        text="hi",
        model="gpt-5",
        reasoning={"effort": "high", "summary": "auto"},
    )
    assert response.status_code == 200
    sent = streamed_requests(fake_openai)[-1]
    assert sent["model"] == "gpt-5"
    assert sent["reasoning"] == {"effort": "high", "summary": "auto"}
    assert sent["store"] is False
    assert sent["include"] == ["reasoning.encrypted_content"]


def test_a_model_without_reasoning_gets_no_include(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    turn(browser, conversation(browser), text="hi", model="gpt-4.1")
    sent = streamed_requests(fake_openai)[-1]
    assert sent["model"] == "gpt-4.1" and sent["store"] is False
    assert "include" not in sent and "reasoning" not in sent


def test_encrypted_reasoning_goes_to_the_next_turn_but_never_to_the_browser(
    browser: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    conversation_id = conversation(browser)
    first = turn(browser, conversation_id, text="[[fixture:reasoning_summary]]")
    assert b"encrypted_content" not in first.content
    kinds = [frame["event"] for _, frame in frames_of(first.content)]
    assert "response.reasoning_summary_text.delta" in kinds
    shown = browser.get(f"/api/conversations/{conversation_id}")
    assert "encrypted_content" not in shown.text
    exported = browser.get(f"/api/conversations/{conversation_id}/export")
    assert "encrypted_content" not in exported.text
    turn(browser, conversation_id, text="and then?")
    sent = streamed_requests(fake_openai)[-1]["input"]
    reasoning = [item for item in sent if item.get("type") == "reasoning"]
    assert len(reasoning) == 1 and reasoning[0]["encrypted_content"].startswith("gAAAA")


def test_a_server_that_refuses_reasoning_is_named_in_the_error(
    browser: httpx.Client,
) -> None:
    response = turn(
        browser, conversation(browser), text="[[refuse:reasoning]]", reasoning={"effort": "low"}
    )
    frames = [frame for _, frame in frames_of(response.content)]
    error = next(f for f in frames if f["event"] == "error")
    assert "`reasoning`" in error["data"]["error"]["message"]
    assert "MODELS_FILE" in error["data"]["error"]["message"]
    assert frames[-1]["data"]["status"] == "failed"


def test_the_stateless_route_names_a_refused_include(
    browser: httpx.Client,
) -> None:
    response = browser.post(
        "/api/turn_response",
        json={"messages": [{"role": "user", "content": "[[refuse:include]]"}]},
    )
    assert response.status_code == 400
    assert "`include`" in response.json()["error"]


def test_usage_and_cost_are_stored_summed_and_reported_per_day(
    browser: httpx.Client, models_backend: BackendProcess
) -> None:
    conversation_id = conversation(browser)
    ended = frames_of(turn(browser, conversation_id, text="hi").content)[-1][1]["data"]
    usage = ended["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    # gpt-5: $1.25 per million input tokens, $10 per million output tokens.
    expected = (usage["input_tokens"] * 1.25 + usage["output_tokens"] * 10.0) / 1_000_000
    assert ended["cost_usd"] == pytest.approx(expected)
    shown = browser.get(f"/api/conversations/{conversation_id}").json()
    stored = shown["messages"][-1]
    assert stored["usage"] == usage and stored["cost_usd"] == pytest.approx(expected)
    second = frames_of(turn(browser, conversation_id, text="again").content)[-1][1]["data"]
    shown = browser.get(f"/api/conversations/{conversation_id}").json()
    summed = {key: usage[key] + second["usage"][key] for key in usage}
    assert shown["usage"] == summed
    assert shown["cost_usd"] == pytest.approx(expected + second["cost_usd"])
    report = browser.get("/api/usage", params={"days": 7}).json()
    assert report["totals"]["total_tokens"] == summed["total_tokens"]
    assert report["totals"]["turns"] == 2
    (row,) = report["data"]
    assert row["model"] == "gpt-5" and row["total_tokens"] == summed["total_tokens"]
    metrics = httpx.get(models_backend.base_url + "/metrics").text
    assert re.search(r'tokens_total\{kind="total",model="gpt-5"\} [1-9]', metrics)


def test_a_spent_budget_refuses_the_next_turn_before_any_upstream_call(
    budget_backend: BackendProcess, fake_openai: FakeOpenAI
) -> None:
    browser = httpx.Client(base_url=budget_backend.base_url, timeout=30)
    conversation_id = conversation(browser)
    # A long answer: this turn alone crosses the 200-token budget, and it finishes.
    long_text = "word " * 400
    first = turn(browser, conversation_id, text=long_text)
    assert frames_of(first.content)[-1][1]["data"]["status"] == "completed"
    calls = len(fake_openai.requests)
    refused = turn(browser, conversation_id, text="one more")
    assert refused.status_code == 429
    assert "budget" in refused.json()["error"]
    assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600
    assert len(fake_openai.requests) == calls
    stateless = browser.post(
        "/api/turn_response", json={"messages": [{"role": "user", "content": "hi"}]}
    )
    assert stateless.status_code == 429
    browser.close()


def test_the_stateless_route_counts_its_usage_for_a_browser_with_a_session(
    browser: httpx.Client,
) -> None:
    browser.get("/api/usage")  # makes the session and its owner
    response = browser.post(
        "/api/turn_response", json={"messages": [{"role": "user", "content": "count me"}]}
    )
    completed = [
        json.loads(line[6:])
        for line in response.text.splitlines()
        if line.startswith("data: ") and "response.completed" in line
    ]
    total = completed[-1]["data"]["response"]["usage"]["total_tokens"]
    for _ in range(50):
        report = browser.get("/api/usage").json()
        if report["totals"]["total_tokens"]:
            break
    assert report["totals"]["total_tokens"] == total


@pytest.mark.parametrize("days", ["0", "367", "week"])
def test_usage_days_out_of_range_is_a_400(browser: httpx.Client, days: str) -> None:
    response = browser.get("/api/usage", params={"days": days})
    assert response.status_code == 400
    assert "days" in response.json()["error"]
