"""Every OpenAI object has an owner: another owner's ids are a 404 wherever a request names one,
inside a turn's `toolsState` and input items too, and never reach OpenAI."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.fakes.openai_server import FakeOpenAI
from tests.owning import own_file


@pytest.fixture
def alice(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def mallory(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.base_url, timeout=30) as http:
        yield http


def new_store(client: httpx.Client) -> str:
    store_id: str = client.post("/api/vector_stores/create_store", json={"name": "s"}).json()["id"]
    return store_id


def file_search(store_id: str) -> dict[str, Any]:
    return {"fileSearchEnabled": True, "vectorStore": {"id": store_id}}


def stateless_turn(client: httpx.Client, **body: Any) -> httpx.Response:
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return client.post("/api/turn_response", json=body)


def asking_about(file_id: str) -> list[dict[str, Any]]:
    content = [
        {"type": "input_text", "text": "Sum it up"},
        {"type": "input_file", "file_id": file_id},
    ]
    return [{"role": "user", "content": content}]


def conversation_turn(client: httpx.Client, **body: Any) -> httpx.Response:
    conversation_id = client.post("/api/conversations", json={}).json()["id"]
    return client.post(f"/api/conversations/{conversation_id}/turns", json=body)


def test_a_stateless_turn_may_search_its_owners_store(
    alice: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    store_id = new_store(alice)
    response = stateless_turn(alice, toolsState=file_search(store_id))
    assert response.status_code == 200
    tools = fake_openai.requests[-1]["tools"]
    assert {"type": "file_search", "vector_store_ids": [store_id]} in tools


def test_a_stateless_turn_may_not_search_another_owners_store(
    alice: httpx.Client, mallory: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    store_id = new_store(alice)
    response = stateless_turn(mallory, toolsState=file_search(store_id))
    assert response.status_code == 404
    assert response.json() == {
        "error": f"toolsState.vectorStore.id: no vector store {store_id} here."
    }
    assert fake_openai.requests == []


def test_a_stateless_turn_may_not_read_another_owners_file(
    alice: httpx.Client, mallory: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    file_id = f"file-{uuid.uuid4().hex[:22]}"
    own_file(alice, file_id)
    assert stateless_turn(alice, messages=asking_about(file_id)).status_code == 200
    response = stateless_turn(mallory, messages=asking_about(file_id))
    assert response.status_code == 404
    assert response.json() == {"error": f"messages[0].content[1].file_id: no file {file_id} here."}
    assert len(fake_openai.requests) == 1


def test_a_conversation_turn_may_not_use_another_owners_store_or_file(
    alice: httpx.Client, mallory: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    store_id = new_store(alice)
    file_id = f"file-{uuid.uuid4().hex[:22]}"
    own_file(alice, file_id)
    searching = conversation_turn(mallory, text="hi", toolsState=file_search(store_id))
    assert searching.status_code == 404
    assert searching.json() == {
        "error": f"toolsState.vectorStore.id: no vector store {store_id} here."
    }
    reading = conversation_turn(mallory, input=asking_about(file_id))
    assert reading.status_code == 404
    assert reading.json() == {"error": f"input[0].content[1].file_id: no file {file_id} here."}
    assert fake_openai.requests == []
    mine = conversation_turn(alice, input=asking_about(file_id), toolsState=file_search(store_id))
    assert mine.status_code == 200
    mine.read()


def test_a_container_a_stateless_turn_used_is_its_owners_alone(
    backend: BackendProcess, fake_openai: FakeOpenAI
) -> None:
    # A container keeps the first owner a turn of which named it: ids of this test's own.
    container, cited = f"cntr_{uuid.uuid4().hex}", f"cfile_{uuid.uuid4().hex}png"
    with (
        httpx.Client(base_url=backend.base_url) as alice,
        httpx.Client(base_url=backend.base_url) as mallory,
    ):
        body = {
            "messages": [{"role": "user", "content": f"[[cite:{container}:{cited}]]"}],
            "toolsState": {"codeInterpreterEnabled": True},
        }
        # Alice has no session yet: the turn makes one, so the container has an owner.
        assert not alice.cookies
        assert alice.post("/api/turn_response", json=body).status_code == 200
        assert alice.cookies
        params = {"file_id": cited, "container_id": container}
        assert alice.get("/api/container_files/content", params=params).status_code == 200
        assert mallory.get("/api/container_files/content", params=params).status_code == 404


def test_a_container_a_conversation_turn_used_is_its_owners_alone(
    alice: httpx.Client, mallory: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    container, cited = f"cntr_{uuid.uuid4().hex}", f"cfile_{uuid.uuid4().hex}png"
    answer = conversation_turn(
        alice, text=f"[[cite:{container}:{cited}]]", toolsState={"codeInterpreterEnabled": True}
    )
    assert answer.status_code == 200
    assert cited.encode() in answer.read()
    params = {"file_id": cited, "container_id": container}
    assert alice.get("/api/container_files/content", params=params).status_code == 200
    assert alice.get("/api/container_files/content", params={"file_id": cited}).status_code == 200
    assert mallory.get("/api/container_files/content", params=params).status_code == 404
