"""Shared fixtures: the fake OpenAI server in a thread and the backend as a real process."""

from collections.abc import Callable, Iterator, Mapping

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import ServerThread
from tests.fixtures.gunicorn_process import gunicorn_factory  # noqa: F401 - a fixture
from tests.fixtures.redis_server import redis_server, redis_url  # noqa: F401 - fixtures

StartBackend = Callable[..., BackendProcess]


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[tuple[FakeOpenAI, ServerThread]]:
    fake = FakeOpenAI()
    server = ServerThread(fake.app).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake_openai(fake_openai_server: tuple[FakeOpenAI, ServerThread]) -> FakeOpenAI:
    fake, _ = fake_openai_server
    fake.reset()
    return fake


@pytest.fixture(scope="session")
def openai_base_url(fake_openai_server: tuple[FakeOpenAI, ServerThread]) -> str:
    return f"{fake_openai_server[1].base_url}/v1"


@pytest.fixture(scope="session")
def backend_factory(openai_base_url: str) -> Iterator[StartBackend]:
    """Start backends with extra settings; each stops at the end of the session."""
    started: list[BackendProcess] = []

    def start(env: Mapping[str, str | None] | None = None, workers: int = 1) -> BackendProcess:
        process = BackendProcess({"OPENAI_BASE_URL": openai_base_url, **(env or {})}, workers)
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def backend(backend_factory: StartBackend) -> BackendProcess:
    """The backend with default test settings, shared by the tests that need nothing special."""
    return backend_factory()


@pytest.fixture
def client(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.base_url, timeout=30) as http:
        yield http
