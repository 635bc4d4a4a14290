"""GET /api/container_files/content against a real backend and the fake OpenAI server."""

import uuid
from urllib.parse import unquote

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.fakes.openai_server import FIXTURES_DIR, PNG_BYTES, FakeOpenAI
from tests.owning import own_container_file

ROUTE = "/api/container_files/content"
CONTAINER = "cntr_68d5f2ff755081909108df3898ede7a50cf76b1756858cda"
CITED_PNG = "cfile_68d5f31200208191afd3130709930804"
TEXT_FILE = "cfile_68c9ddf564c48191be678656a5e878e4"


@pytest.fixture
def client(module_browser: httpx.Client) -> httpx.Client:
    # The recorded files become this module's browser's at their first citation: a container
    # has one owner, the first one a turn of which names it.
    return module_browser


def download(client: httpx.Client, **params: str) -> httpx.Response:
    """The download, by a browser a turn of which cited the file."""
    if "file_id" in params:
        own_container_file(client, params.get("container_id") or CONTAINER, params["file_id"])
    return client.get(ROUTE, params=params)


def test_another_owners_file_is_404_and_never_reaches_openai(
    backend: BackendProcess, fake_openai: FakeOpenAI
) -> None:
    container, cited = f"cntr_{uuid.uuid4().hex}", f"cfile_{uuid.uuid4().hex}"
    with (
        httpx.Client(base_url=backend.base_url) as alice,
        httpx.Client(base_url=backend.base_url) as mallory,
    ):
        own_container_file(alice, container, cited)
        assert alice.get(ROUTE, params={"file_id": cited, "container_id": container}).is_success
        assert alice.get(ROUTE, params={"file_id": cited}).is_success
        calls = len(fake_openai.calls)
        # Mallory's own turn citing the same ids changes nothing: a container keeps its owner.
        own_container_file(mallory, container, cited)
        by_container = mallory.get(ROUTE, params={"file_id": cited, "container_id": container})
        assert by_container.status_code == 404
        assert by_container.json() == {
            "error": f"container_id: no code interpreter container {container} here."
        }
        by_file = mallory.get(ROUTE, params={"file_id": cited})
        assert by_file.status_code == 404
        assert by_file.json() == {"error": f"file_id: no code interpreter file {cited} here."}
        assert len(fake_openai.calls) == calls


def test_a_file_no_turn_cited_is_404(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = client.get(ROUTE, params={"file_id": f"cfile_{uuid.uuid4().hex}"})
    assert response.status_code == 404
    assert fake_openai.calls == []


def filename_star(disposition: str) -> str:
    value = disposition.split("filename*=", 1)[1]
    assert value.startswith("UTF-8''")
    return unquote(value[len("UTF-8''") :], encoding="utf-8")


def test_file_is_served_with_upstream_type_and_an_attachment_disposition(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = download(client, file_id=TEXT_FILE, container_id=CONTAINER, filename="notes.txt")
    assert response.status_code == 200
    assert response.content == (FIXTURES_DIR / "container_file_content.txt").read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert fake_openai.calls[0]["path"] == f"/v1/containers/{CONTAINER}/files/{TEXT_FILE}/content"


def test_without_a_container_the_container_files_path_is_used(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = download(client, file_id=TEXT_FILE)
    assert response.status_code == 200
    assert fake_openai.calls[0]["path"] == f"/v1/container-files/{TEXT_FILE}/content"


def test_without_a_filename_the_file_id_names_the_download(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = download(client, file_id=TEXT_FILE, container_id=CONTAINER)
    assert f'filename="{TEXT_FILE}"' in response.headers["content-disposition"]


def test_the_cited_png_is_a_real_image(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = download(client, file_id=CITED_PNG, container_id=CONTAINER, filename="plot.png")
    assert response.content == PNG_BYTES
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize("flag", ["1", "true"])
def test_inline_is_given_to_a_png_preview(
    client: httpx.Client, fake_openai: FakeOpenAI, flag: str
) -> None:
    response = download(
        client, file_id=CITED_PNG, container_id=CONTAINER, filename="plot.png", inline=flag
    )
    assert response.headers["content-disposition"].startswith('inline; filename="plot.png"')
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_inline_png_served_as_octet_stream_gets_its_image_type(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = download(client, file_id="cfile_octet1", container_id=CONTAINER, inline="1")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("inline;")


@pytest.mark.parametrize("file_id", ["cfile_svg1", "cfile_html1", TEXT_FILE])
def test_inline_is_refused_to_anything_but_raster_images(
    client: httpx.Client, fake_openai: FakeOpenAI, file_id: str
) -> None:
    response = download(
        client, file_id=file_id, container_id=CONTAINER, filename="x.png", inline="1"
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("filename", "ascii_name", "real_name"),
    [
        ('a"; filename="evil.html', "a_; filename=_evil.html", 'a"; filename="evil.html'),
        ("a\r\nSet-Cookie: x=1", "aSet-Cookie: x=1", "aSet-Cookie: x=1"),
        ("a\nb\x00c\x7f.txt", "abc.txt", "abc.txt"),
        ("../../etc/passwd", "passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini", "boot.ini"),
        ("Grüße 図表.png", "Gr__e __.png", "Grüße 図表.png"),
        ("100%25 done.txt", "100_25 done.txt", "100%25 done.txt"),
        ("back\\slash", "slash", "slash"),
        ("\u202egnp.exe", "gnp.exe", "gnp.exe"),
    ],
)
def test_hostile_filenames_stay_inside_content_disposition(
    client: httpx.Client, fake_openai: FakeOpenAI, filename: str, ascii_name: str, real_name: str
) -> None:
    response = download(client, file_id=TEXT_FILE, container_id=CONTAINER, filename=filename)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{ascii_name}"; filename*=')
    assert disposition.count('"') == 2
    assert filename_star(disposition) == real_name


@pytest.mark.parametrize("filename", ["", "..", "\r\n", "/"])
def test_a_filename_with_nothing_left_falls_back_to_the_file_id(
    client: httpx.Client, fake_openai: FakeOpenAI, filename: str
) -> None:
    response = download(client, file_id=TEXT_FILE, container_id=CONTAINER, filename=filename)
    assert f'filename="{TEXT_FILE}"' in response.headers["content-disposition"]


def test_missing_file_id_is_400(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    response = download(client, container_id=CONTAINER)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "Missing file_id"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("file_id", "../../files/file-abc"),
        ("file_id", "cfile_abc/../../x"),
        ("file_id", "cfile_abc%2F..%2F"),
        ("file_id", "cfile_a\r\nb"),
        ("file_id", "cfile_ä"),
        ("file_id", "file-abc"),
        ("file_id", 'cfile_"x'),
        ("container_id", "../containers"),
        ("container_id", "cntr_abc/files"),
        ("container_id", "cntr_abc?x=1"),
        ("container_id", "vs_abc"),
    ],
)
def test_malformed_ids_are_400_and_never_reach_openai(
    client: httpx.Client, fake_openai: FakeOpenAI, field: str, value: str
) -> None:
    params = {"file_id": TEXT_FILE, "container_id": CONTAINER, field: value}
    response = download(client, **params)
    assert response.status_code == 400
    assert field in response.json()["error"]
    assert fake_openai.calls == []


@pytest.mark.parametrize("container_id", [CONTAINER, ""])
def test_upstream_404_is_404(
    client: httpx.Client, fake_openai: FakeOpenAI, container_id: str
) -> None:
    response = download(client, file_id="cfile_error404", container_id=container_id)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]


@pytest.mark.parametrize(
    ("file_id", "container_id"),
    [
        ("cfile_error500", CONTAINER),
        ("cfile_error429", CONTAINER),
        ("cfile_error400", CONTAINER),
        (TEXT_FILE, "cntr_error401"),
    ],
)
def test_other_upstream_failures_are_502(
    client: httpx.Client, fake_openai: FakeOpenAI, file_id: str, container_id: str
) -> None:
    response = download(client, file_id=file_id, container_id=container_id)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error
    assert "not-a-re" not in error


def test_an_inline_preview_of_a_slow_file_still_arrives_whole(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    response = download(client, file_id="cfile_slow2", inline="1")
    assert response.content == b"chunk 0\nchunk 1\nchunk 2\n"
    assert response.headers["content-disposition"].startswith("attachment;")


def test_the_body_is_streamed_as_it_arrives(client: httpx.Client, fake_openai: FakeOpenAI) -> None:
    own_container_file(client, CONTAINER, "cfile_slow1")
    with client.stream("GET", ROUTE, params={"file_id": "cfile_slow1"}) as response:
        chunks = response.iter_bytes()
        first = next(chunks)
        # The fake sends three chunks 0.3 s apart: the first arrives while it is still sending.
        assert not fake_openai.streams[-1].completed
        rest = b"".join(chunks)
    assert first.startswith(b"chunk 0")
    assert (first + rest) == b"chunk 0\nchunk 1\nchunk 2\n"
