"""Ending open chat streams when the worker shuts down.

The server (lib/server/gunicorn_worker.py) calls `begin()` once the graceful period after SIGTERM is
over; each open stream then sends a final `error` frame and closes, so a browser learns why its
answer stopped instead of seeing the connection cut.
"""

from collections.abc import Callable

_callbacks: set[Callable[[], None]] = set()
_draining = False


def begin() -> None:
    global _draining
    _draining = True
    for callback in list(_callbacks):
        callback()


def register(callback: Callable[[], None]) -> None:
    """Have `callback` called when draining begins; at once if it has begun already."""
    _callbacks.add(callback)
    if _draining:
        callback()


def unregister(callback: Callable[[], None]) -> None:
    _callbacks.discard(callback)
