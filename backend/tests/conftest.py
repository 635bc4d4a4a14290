"""Shared fixtures: the fake OpenAI server in a thread and the backend as a real process."""

from collections.abc import Callable, Iterator, Mapping

import httpx
import pytest

from tests.backend_process import BackendProcess
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import ServerThread
from tests.fakes.web_services import FakeWebServices
from tests.fixtures.gunicorn_process import gunicorn_factory  # noqa: F401 - a fixture
from tests.fixtures.redis_server import redis_url  # noqa: F401 - a fixture

StartBackend = Callable[..., BackendProcess]

# Fixtures of their own modules, made visible to every test.
from tests.fixtures.database import (  # noqa: E402
    database,
    database_url,
    postgres_url,
    sqlite_url,
)
from tests.fixtures.google import (  # noqa: E402
    browser,
    google_backend,
    oidc,
    oidc_server,
    store_urls,
)
from tests.fixtures.redis_server import redis_server  # noqa: E402

__all__ = [
    "browser",
    "database",
    "database_url",
    "google_backend",
    "oidc",
    "oidc_server",
    "postgres_url",
    "redis_server",
    "sqlite_url",
    "store_urls",
]


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
def fake_web_services_server() -> Iterator[tuple[FakeWebServices, ServerThread]]:
    fake = FakeWebServices()
    server = ServerThread(fake.app).start()
    yield fake, server
    server.stop()


@pytest.fixture
def fake_web_services(
    fake_web_services_server: tuple[FakeWebServices, ServerThread],
) -> FakeWebServices:
    fake, _ = fake_web_services_server
    fake.reset()
    return fake


@pytest.fixture(scope="session")
def backend_factory(
    openai_base_url: str, fake_web_services_server: tuple[FakeWebServices, ServerThread]
) -> Iterator[StartBackend]:
    """Start backends with extra settings; each stops at the end of the session."""
    started: list[BackendProcess] = []
    # Every backend talks to the fakes, so no test can reach a public weather or joke host.
    fake, server = fake_web_services_server
    upstreams = {"OPENAI_BASE_URL": openai_base_url, **fake.settings_env(server.base_url)}

    def start(env: Mapping[str, str | None] | None = None, workers: int = 1) -> BackendProcess:
        process = BackendProcess({**upstreams, **(env or {})}, workers)
        started.append(process)
        return process.wait_ready()

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def backend(backend_factory: StartBackend) -> BackendProcess:
    """The backend with default test settings, shared by the tests that need nothing special."""
    return backend_factory()


@pytest.fixture(scope="session")
def tight_backend(backend_factory: StartBackend) -> BackendProcess:
    """One backend for the tests of limits and failures, since each backend costs seconds:
    a 1 KiB upload limit, Nominatim requests 0.3 s apart, and Open-Meteo and JokeAPI at a
    loopback port where nothing listens."""
    nowhere = "http://127.0.0.1:9"
    return backend_factory(
        {
            "MAX_UPLOAD_BYTES": "1024",
            "NOMINATIM_MIN_INTERVAL": "0.3",
            "OPEN_METEO_URL": nowhere,
            "JOKE_API_URL": nowhere,
        }
    )


@pytest.fixture
def tight_client(tight_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=tight_backend.base_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def module_browser(backend: BackendProcess) -> Iterator[httpx.Client]:
    """One browser (one session, one owner) for every test of a module."""
    with httpx.Client(base_url=backend.base_url, timeout=30) as http:
        yield http


@pytest.fixture
def client(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.base_url, timeout=30) as http:
        yield http
