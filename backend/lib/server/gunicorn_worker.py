"""The gunicorn worker: uvicorn's, plus an end for streams still open when shutdown runs long.

On SIGTERM uvicorn stops accepting and waits for open responses. A chat stream can last minutes,
so after `GRACEFUL_TIMEOUT` seconds the streams still open are told to end (lib/server/drain.py):
each sends a final `error` frame (docs/api.md, POST /api/turn_response: the shape OpenAI uses) and
closes. Only what still hangs after that (a browser that stopped reading) is cancelled, and
gunicorn's own kill comes later still.
"""

import asyncio
import socket
import sys
from typing import Any, ClassVar

from gunicorn.arbiter import Arbiter
from uvicorn.config import Config
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from lib.server import drain
from lib.settings import load_settings

# Time the final frames get to go out before stuck connections are cancelled, and again before
# gunicorn kills the worker: gunicorn's graceful_timeout is GRACEFUL_TIMEOUT plus twice this.
FINAL_FRAME_SECONDS = 3.0


class DrainingServer(Server):
    def __init__(self, config: Config, streams_grace: float) -> None:
        super().__init__(config)
        self.streams_grace = streams_grace

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        timer = asyncio.get_running_loop().call_later(self.streams_grace, drain.begin)
        try:
            await super().shutdown(sockets)
        finally:
            timer.cancel()


class StreamDrainingWorker(UvicornWorker):
    # Uvicorn's access line has the query string, which can hold an OAuth code; the app writes
    # its own line without it (lib/server/observability.py).
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {**UvicornWorker.CONFIG_KWARGS, "access_log": False}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams_grace = max(0.0, self.cfg.graceful_timeout - 2 * FINAL_FRAME_SECONDS)
        self.config.timeout_graceful_shutdown = int(self.streams_grace + FINAL_FRAME_SECONDS)
        # uvicorn-worker reports in only once more than `timeout` seconds have passed, so the
        # master, which kills at `timeout`, can take a busy healthy worker for a stuck one;
        # gunicorn's own workers report in twice per timeout.
        self.config.timeout_notify = self.timeout / 2
        # Past LIMIT_CONCURRENCY connections, uvicorn answers 503 instead of taking more: a
        # crowd of slow clients cannot take every connection (docs/deploy.md).
        settings = load_settings()
        if settings.limit_concurrency is not None:
            self.config.limit_concurrency = settings.limit_concurrency

    async def _serve(self) -> None:
        # uvicorn_worker's own _serve, with the draining server.
        self.config.app = self.wsgi
        server = DrainingServer(self.config, self.streams_grace)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
