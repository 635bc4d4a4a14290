"""Making the fake upstream's objects a test client's, the way any object becomes someone's.

Each OpenAI object is usable only by the owner it was made for (lib/resources/), so a test that
reads a recorded store or file first makes it through the API: the fake gives a store or file
named `[[id:ID]]` that id, and answers `[[cite:CONTAINER:FILE]]` with a code interpreter citation.
"""

import base64

import httpx


def own_store(client: httpx.Client, store_id: str) -> None:
    created = client.post("/api/vector_stores/create_store", json={"name": f"[[id:{store_id}]]"})
    assert created.json()["id"] == store_id


def own_file(client: httpx.Client, file_id: str) -> None:
    content = base64.b64encode(b"x").decode()
    uploaded = client.post(
        "/api/vector_stores/upload_file",
        json={"fileObject": {"name": f"[[id:{file_id}]]", "content": content}},
    )
    assert uploaded.json()["id"] == file_id


def own_container_file(client: httpx.Client, container_id: str, file_id: str) -> None:
    """A stateless turn with the code interpreter whose answer cites the file."""
    body = {
        "messages": [{"role": "user", "content": f"[[cite:{container_id}:{file_id}]]"}],
        "toolsState": {"codeInterpreterEnabled": True},
    }
    with client.stream("POST", "/api/turn_response", json=body) as response:
        assert response.status_code == 200
        assert b"response.completed" in response.read()
