"""The vector store routes against a real backend process and the fake OpenAI server."""

import base64
import json
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.fakes.openai_server import FIXTURES_DIR, FakeOpenAI
from tests.owning import own_file, own_store

# The upload limit of the tight backend (tests/conftest.py).
SMALL_LIMIT = 1024


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES_DIR / name).read_text())


def upload_json(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    encoded = base64.b64encode(content).decode()
    return client.post(
        "/api/vector_stores/upload_file",
        json={"fileObject": {"name": name, "content": encoded}},
    )


@pytest.fixture
def client(module_browser: httpx.Client) -> httpx.Client:
    # The recorded stores and files become this module's browser's the first time a test makes
    # them (tests/owning.py), and an object has one owner.
    return module_browser


# create_store


def test_create_store_answers_the_vector_store_object(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = client.post("/api/vector_stores/create_store", json={"name": "My notes"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    store = response.json()
    assert store["object"] == "vector_store"
    assert store["name"] == "My notes"
    assert store["id"].startswith("vs_")
    assert fake_openai.calls == [
        {"method": "POST", "path": "/v1/vector_stores", "query": {}, "json": {"name": "My notes"}}
    ]


def test_create_store_keeps_every_field_openai_sent(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    store = client.post("/api/vector_stores/create_store", json={"name": "x"}).json()
    assert set(store) == set(fixture_json("vector_store_create.json"))


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": 7}, "name"), ({"name": "   "}, "name"), ({"nom": "x"}, "name")],
)
def test_create_store_without_a_usable_name_is_400_naming_it(
    client: httpx.Client, fake_openai: FakeOpenAI, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/vector_stores/create_store", json=body)
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b'"name"'])
def test_create_store_with_a_body_that_is_not_an_object_is_400(
    client: httpx.Client, fake_openai: FakeOpenAI, content: bytes
) -> None:
    response = client.post(
        "/api/vector_stores/create_store",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("status", "expected"), [(400, 400), (404, 404), (429, 429), (401, 502), (500, 502)]
)
def test_create_store_upstream_errors_keep_their_meaning(
    client: httpx.Client, fake_openai: FakeOpenAI, status: int, expected: int
) -> None:
    response = client.post("/api/vector_stores/create_store", json={"name": f"[[error:{status}]]"})
    assert response.status_code == expected
    error = response.json()["error"]
    if status in (400, 404, 429):
        recorded = {400: "error_400_invalid_param.json", 404: "error_404_response_not_found.json"}
        name = recorded.get(status, "error_429_insufficient_quota.json")
        assert error == fixture_json(name)["error"]["message"]
    if status == 401:
        assert "not-a-re" not in error  # OpenAI's text quotes part of the key
        assert "OPENAI_API_KEY" in error


def test_rate_limit_passes_retry_after_on(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = client.post("/api/vector_stores/create_store", json={"name": "[[error:429]]"})
    assert response.headers["retry-after"] == "7"


# retrieve_store and list_files


def test_retrieve_store_answers_the_store(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    recorded = fixture_json("vector_stores_list.json")["data"][3]
    own_store(client, recorded["id"])
    response = client.get(
        "/api/vector_stores/retrieve_store", params={"vector_store_id": recorded["id"]}
    )
    assert response.status_code == 200
    assert response.json() == recorded
    assert fake_openai.calls[-1]["path"] == f"/v1/vector_stores/{recorded['id']}"


def test_a_created_store_can_be_retrieved(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    created = client.post("/api/vector_stores/create_store", json={"name": "Again"}).json()
    response = client.get(
        "/api/vector_stores/retrieve_store", params={"vector_store_id": created["id"]}
    )
    assert response.json() == created


@pytest.mark.parametrize("route", ["retrieve_store", "list_files"])
def test_a_store_nobody_made_here_is_404_and_never_reaches_openai(
    client: httpx.Client, fake_openai: FakeOpenAI, route: str
) -> None:
    response = client.get(
        f"/api/vector_stores/{route}", params={"vector_store_id": "vs_unknown123"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": "vector_store_id: no vector store vs_unknown123 here."}
    assert fake_openai.calls == []


@pytest.mark.parametrize("route", ["retrieve_store", "list_files"])
def test_another_owners_store_is_404_exactly_like_one_that_does_not_exist(
    backend: BackendProcess, fake_openai: FakeOpenAI, route: str
) -> None:
    with (
        httpx.Client(base_url=backend.base_url) as alice,
        httpx.Client(base_url=backend.base_url) as mallory,
    ):
        store = alice.post("/api/vector_stores/create_store", json={"name": "mine"}).json()
        mine = alice.get(f"/api/vector_stores/{route}", params={"vector_store_id": store["id"]})
        assert mine.status_code == 200
        calls = len(fake_openai.calls)
        response = mallory.get(
            f"/api/vector_stores/{route}", params={"vector_store_id": store["id"]}
        )
        assert response.status_code == 404
        assert response.json() == {"error": f"vector_store_id: no vector store {store['id']} here."}
        assert len(fake_openai.calls) == calls


def test_list_files_answers_the_list_page(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    store_id = fixture_json("vector_store_files_list.json")["data"][0]["vector_store_id"]
    own_store(client, store_id)
    response = client.get("/api/vector_stores/list_files", params={"vector_store_id": store_id})
    assert response.status_code == 200
    assert response.json() == fixture_json("vector_store_files_list.json")
    assert fake_openai.calls[-1]["path"] == f"/v1/vector_stores/{store_id}/files"


@pytest.mark.parametrize("route", ["retrieve_store", "list_files"])
@pytest.mark.parametrize(("store_id", "status"), [("vs_error429", 429), ("vs_error500", 502)])
def test_store_reads_keep_upstream_error_meaning(
    client: httpx.Client, fake_openai: FakeOpenAI, route: str, store_id: str, status: int
) -> None:
    own_store(client, store_id)
    response = client.get(f"/api/vector_stores/{route}", params={"vector_store_id": store_id})
    assert response.status_code == status
    assert response.json()["error"]


HOSTILE_STORE_IDS = [
    "../files",
    "vs_abc/../../responses",
    "vs_abc%2F..",
    "vs_abc\r\nX-Evil: 1",
    "vs_ab'\"c",
    "vs_é",
    "file-abc",
    "vs_",
    "vs_" + "a" * 300,
    "vs_abc?limit=100",
    "vs_abc#x",
    " vs_abc",
]


@pytest.mark.parametrize("route", ["retrieve_store", "list_files"])
@pytest.mark.parametrize("store_id", HOSTILE_STORE_IDS)
def test_malformed_store_ids_are_400_and_never_reach_openai(
    client: httpx.Client, fake_openai: FakeOpenAI, route: str, store_id: str
) -> None:
    response = client.get(f"/api/vector_stores/{route}", params={"vector_store_id": store_id})
    assert response.status_code == 400
    assert "vector_store_id" in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize("route", ["retrieve_store", "list_files"])
@pytest.mark.parametrize("query", ["", "?vector_store_id=", "?vector_store_id=%20"])
def test_missing_store_id_is_400(
    client: httpx.Client, fake_openai: FakeOpenAI, route: str, query: str
) -> None:
    response = client.get(f"/api/vector_stores/{route}{query}")
    assert response.status_code == 400
    assert response.json() == {"error": "Missing vector_store_id"}


# add_file


def test_add_file_answers_the_vector_store_file(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    store = client.post("/api/vector_stores/create_store", json={"name": "s"}).json()
    own_file(client, "file-G1oqbTRRW8Wxv9DXTepouG")
    response = client.post(
        "/api/vector_stores/add_file",
        json={"vectorStoreId": store["id"], "fileId": "file-G1oqbTRRW8Wxv9DXTepouG"},
    )
    assert response.status_code == 200
    added = response.json()
    assert added["object"] == "vector_store.file"
    assert (added["id"], added["vector_store_id"]) == ("file-G1oqbTRRW8Wxv9DXTepouG", store["id"])
    assert fake_openai.calls[-1]["json"] == {"file_id": "file-G1oqbTRRW8Wxv9DXTepouG"}
    listed = client.get("/api/vector_stores/list_files", params={"vector_store_id": store["id"]})
    assert [f["id"] for f in listed.json()["data"]] == ["file-G1oqbTRRW8Wxv9DXTepouG"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fileId": "file-abc"}, "vectorStoreId"),
        ({"vectorStoreId": "vs_abc"}, "fileId"),
        ({"vectorStoreId": "vs_abc", "fileId": 3}, "fileId"),
        ({"vectorStoreId": "../x", "fileId": "file-abc"}, "vectorStoreId"),
        ({"vectorStoreId": "vs_abc", "fileId": "file-a/../../b"}, "fileId"),
        ({"vectorStoreId": "vs_abc", "fileId": "vs_abc"}, "fileId"),
        ({"vectorStoreId": "vs_abc", "fileId": ""}, "fileId"),
    ],
)
def test_add_file_with_missing_or_malformed_ids_is_400_naming_the_field(
    client: httpx.Client, fake_openai: FakeOpenAI, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/vector_stores/add_file", json=body)
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize(
    ("store_id", "file_id", "status"),
    [
        ("vs_error404", "file-abc", 404),
        ("vs_error400", "file-abc", 400),
        ("vs_error429", "file-abc", 429),
        ("vs_error401", "file-abc", 502),
    ],
)
def test_add_file_upstream_errors_keep_their_meaning(
    client: httpx.Client, fake_openai: FakeOpenAI, store_id: str, file_id: str, status: int
) -> None:
    own_store(client, store_id)
    own_file(client, file_id)
    response = client.post(
        "/api/vector_stores/add_file", json={"vectorStoreId": store_id, "fileId": file_id}
    )
    assert response.status_code == status
    assert response.json()["error"]


# upload_file as JSON


def test_json_upload_creates_an_assistants_file_with_the_original_name(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    content = b"Hello, vector store!\n" * 10
    response = upload_json(client, "notes.md", content)
    assert response.status_code == 200
    created = response.json()
    assert created["object"] == "file"
    assert created["filename"] == "notes.md"
    assert created["purpose"] == "assistants"
    sent = fake_openai.calls[-1]["file"]
    assert sent["filename"] == "notes.md"
    assert sent["purpose"] == "assistants"
    assert sent["sha256"] == sha256(content).hexdigest()


def test_upload_keeps_a_non_ascii_name(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = upload_json(client, "Résumé - 履歴書 ☃.pdf", b"%PDF-1.4")
    assert response.status_code == 200
    assert fake_openai.calls[-1]["file"]["filename"] == "Résumé - 履歴書 ☃.pdf"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\fakepath\\report.txt", "report.txt"),
    ],
)
def test_upload_keeps_only_the_last_path_segment_of_the_name(
    client: httpx.Client, fake_openai: FakeOpenAI, name: str, kept: str
) -> None:
    response = upload_json(client, name, b"data")
    assert response.status_code == 200
    assert fake_openai.calls[-1]["file"]["filename"] == kept


def test_quotes_in_a_name_cannot_break_the_upload_to_openai(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = upload_json(client, 'say "hi"; filename="x.exe', b"data")
    assert response.status_code == 200
    # The multipart header carries quotes as %22 (HTML5 form encoding, as browsers send them).
    assert fake_openai.calls[-1]["file"]["filename"] == "say %22hi%22; filename=%22x.exe"


@pytest.mark.parametrize(
    "name", ["evil\r\nContent-Type: text/html", "a\x00b.txt", "tab\there", "", "   ", "..", "a/"]
)
def test_upload_with_a_hostile_or_empty_name_is_400(
    client: httpx.Client, fake_openai: FakeOpenAI, name: str
) -> None:
    response = upload_json(client, name, b"data")
    assert response.status_code == 400
    assert "fileObject.name" in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize(
    "content",
    ["not base64!", "aGVsbG8", "aGVs\nbG8=", "aGVsbG8=\n", "data:text/plain;base64,aGVsbG8=", ""],
)
def test_upload_with_invalid_base64_is_400_naming_the_field(
    client: httpx.Client, fake_openai: FakeOpenAI, content: str
) -> None:
    response = client.post(
        "/api/vector_stores/upload_file",
        json={"fileObject": {"name": "a.txt", "content": content}},
    )
    assert response.status_code == 400
    assert "fileObject.content" in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "fileObject"),
        ({"fileObject": {"content": "aGk="}}, "fileObject.name"),
        ({"fileObject": {"name": "a.txt"}}, "fileObject.content"),
        ({"fileObject": {"name": 5, "content": "aGk="}}, "fileObject.name"),
        ({"fileObject": "aGk="}, "fileObject"),
    ],
)
def test_upload_with_missing_fields_is_400_naming_them(
    client: httpx.Client, fake_openai: FakeOpenAI, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/vector_stores/upload_file", json=body)
    assert response.status_code == 400
    assert field in response.json()["error"]


def test_upload_in_another_format_is_415(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = client.post(
        "/api/vector_stores/upload_file", content=b"hello", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert "multipart" in response.json()["error"]


def test_upload_error_from_openai_keeps_its_meaning(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = upload_json(client, "[[error:400]].txt", b"data")
    assert response.status_code == 400
    assert (
        response.json()["error"] == fixture_json("error_400_invalid_param.json")["error"]["message"]
    )


# upload limits


def test_upload_up_to_the_limit_is_accepted(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = upload_json(tight_client, "full.bin", b"x" * SMALL_LIMIT)
    assert response.status_code == 200
    assert fake_openai.calls[-1]["file"]["bytes"] == SMALL_LIMIT


def test_json_upload_over_the_limit_is_413(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = upload_json(tight_client, "big.bin", b"x" * (SMALL_LIMIT + 1))
    assert response.status_code == 413
    assert str(SMALL_LIMIT) in response.json()["error"]
    assert fake_openai.calls == []


def test_huge_declared_body_is_413_before_it_is_read(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    body = b'{"fileObject": {"name": "a.txt", "content": "' + b"QUFB" * 100_000 + b'"}}'

    # Bytes, not a generator: httpx declares their Content-Length.
    response = tight_client.post(
        "/api/vector_stores/upload_file",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert fake_openai.calls == []


def test_chunked_upload_without_length_is_cut_off_at_the_limit(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"fileObject": {"name": "a.txt", "content": "'
        for _ in range(20):
            yield b"QUFB" * 1000
        yield b'"}}'

    # A generator body has no Content-Length: httpx sends it chunked.
    response = tight_client.post(
        "/api/vector_stores/upload_file",
        content=body(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert fake_openai.calls == []


# upload_file as multipart/form-data


def test_multipart_upload_streams_the_file_to_openai(
    client: httpx.Client, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    # Past Starlette's 1 MiB in-memory threshold, so the spooled-file path is the one tested.
    content = bytes(range(256)) * 8192
    response = client.post(
        "/api/vector_stores/upload_file",
        files={"file": ("data.bin", content, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["filename"] == "data.bin"
    sent = fake_openai.calls[-1]["file"]
    assert (sent["bytes"], sent["sha256"]) == (len(content), sha256(content).hexdigest())
    assert sent["purpose"] == "assistants"


def test_multipart_upload_keeps_a_non_ascii_name(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = client.post(
        "/api/vector_stores/upload_file", files={"file": ("Ünïcødé 文件.txt", b"hi")}
    )
    assert response.status_code == 200
    assert fake_openai.calls[-1]["file"]["filename"] == "Ünïcødé 文件.txt"


def test_multipart_upload_without_the_file_field_is_400(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = client.post("/api/vector_stores/upload_file", files={"upload": ("a.txt", b"hi")})
    assert response.status_code == 400
    assert "'file'" in response.json()["error"]
    assert fake_openai.calls == []


def test_multipart_upload_of_an_empty_file_is_400(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = client.post("/api/vector_stores/upload_file", files={"file": ("a.txt", b"")})
    assert response.status_code == 400


def test_multipart_upload_over_the_limit_is_413(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = tight_client.post(
        "/api/vector_stores/upload_file", files={"file": ("a.bin", b"x" * (SMALL_LIMIT + 1))}
    )
    assert response.status_code == 413
    assert fake_openai.calls == []


def test_chunked_multipart_upload_over_the_limit_is_413(
    tight_client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    boundary = "b0undary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        for _ in range(200):
            yield b"x" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    response = tight_client.post(
        "/api/vector_stores/upload_file",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert fake_openai.calls == []
