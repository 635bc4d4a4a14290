"""Serve an ASGI app on a free loopback port in a background thread, for tests and benchmarks."""

import argparse
import socket
import threading
import time
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

# Longer than the backend's clients keep an idle connection (5 s), as real services do: with the
# same 5 s on both sides, a request may go out on a connection the server is just closing.
KEEP_ALIVE_SECONDS = 30


def bind_free_port(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


class ServerThread:
    """A real uvicorn server; the socket is bound before start, so there is no port race."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1") -> None:
        self._sock = bind_free_port(host)
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="critical",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()


def serve_standalone(
    make_app: Callable[[str], ASGIApp], description: str, default_port: int
) -> None:
    """`python -m tests.fakes.<name> --host H --port P`: the fake on its own, for the web
    client's end-to-end run; `make_app` gets the base URL it is served at."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    uvicorn.run(
        make_app(f"http://{args.host}:{args.port}"),
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
