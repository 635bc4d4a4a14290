"""The backend under test: a real `uvicorn main:app` process on a free loopback port."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.fakes.server import bind_free_port

BACKEND_DIR = Path(__file__).resolve().parent.parent

# A known, hermetic environment: no developer .env, no retries that slow error tests down.
BASE_ENV = {
    "BACKEND_ENV_FILE": "",
    "OPENAI_API_KEY": "sk-test-not-a-real-key-0123456789",
    "OPENAI_MAX_RETRIES": "0",
    "SESSION_STORE_URL": "memory://",
    # Tests never generate a secret under backend/data/ (a developer's own may be there).
    "SESSION_SECRET": "test-session-secret-0123456789abcdef",
    "NODE_ENV": "development",
    # The fake weather services answer at once; slow-service tests should not wait long.
    "FUNCTIONS_TIMEOUT": "1",
    "NOMINATIM_MIN_INTERVAL": "0",
    # Every test and benchmark stream comes from 127.0.0.1: one client, limited only where a
    # test of the limits says so.
    "RATE_LIMIT_TURNS": "1000000/minute",
    "RATE_LIMIT_UPLOADS": "1000000/minute",
    "RATE_LIMIT_SIGN_IN": "1000000/minute",
    "RATE_LIMIT_FUNCTIONS": "1000000/minute",
    "MAX_STREAMS_PER_CLIENT": "100000",
}


def hermetic_env(env: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment, the hermetic test settings, then `env` (None unsets)."""
    merged = {**os.environ, **BASE_ENV}
    for key, value in env.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class BackendProcess:
    """`uvicorn main:app` on a free port; subclasses serve the app another way."""

    name = "backend"
    # What stop() waits for after SIGTERM before SIGKILL.
    stop_timeout = 10.0

    def __init__(self, env: Mapping[str, str | None], workers: int = 1) -> None:
        sock = bind_free_port()
        self.port = sock.getsockname()[1]
        sock.close()  # the server binds it again at once; another taker in between is unlikely
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Each backend its own conversation database, unless the test names one.
        self.data_dir = tempfile.mkdtemp(prefix=f"{self.name}-data-")
        env = {"DATABASE_URL": f"sqlite+aiosqlite:///{self.data_dir}/app.db", **env}
        # Closed by stop(): the log outlives this method.
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"{self.name}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            self.command(workers),
            cwd=BACKEND_DIR,
            env=self.environment(env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def command(self, workers: int) -> list[str]:
        server = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1"]
        return [*server, "--port", str(self.port), "--workers", str(workers)]

    def environment(self, env: Mapping[str, str | None]) -> dict[str, str]:
        return hermetic_env(env)

    def booted(self) -> bool:
        """Whether health checks may start: the server has said what it needs to say."""
        return True

    def wait_ready(self, timeout: float = 20) -> "BackendProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up:\n{self.output()}")
            if self.booted():
                try:
                    if httpx.get(f"{self.base_url}/api/health", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become ready:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(self.data_dir, ignore_errors=True)
