"""One chat turn: the upstream Responses API stream relayed to the browser as it arrives."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date
from typing import Any

import anyio
import httpx2
import openai
from openai import AsyncOpenAI
from openai._response import AsyncAPIResponse
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from config.constants import developer_prompt
from lib.openai.client import api_error_from_openai, timed_out, upstream_error_kind
from lib.openai.sse import KEEPALIVE, EventTranslator, error_frame
from lib.resources.mentions import Mentions
from lib.server import drain
from lib.server.metrics import FIRST_EVENT_LATENCY, OPEN_STREAMS, TURN_DURATION, UPSTREAM_ERRORS
from lib.server.observability import REQUEST_STARTED
from lib.usage.repository import Usage
from lib.usage.tokens import usage_from_response

logger = logging.getLogger(__name__)

# docs/api.md, POST /api/turn_response: no Connection header (hop-by-hop; it breaks HTTP/2).
STREAM_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}

# Frames waiting for a slow browser; past this the upstream read waits too, so memory stays bounded.
_QUEUE_FRAMES = 64
# How long closing the upstream may take once the browser has gone.
_CLOSE_SECONDS = 2.0

_END = b""

# Tasks that record a finished turn's usage; held so none is collected while it runs.
_background: set["asyncio.Task[None]"] = set()


def _keep(task: "asyncio.Task[None]") -> None:
    _background.add(task)
    task.add_done_callback(_background.discard)


# The frame a stream ends with when the worker shuts down before it is finished.
SHUTDOWN_FRAME = error_frame(
    "server_error", "server_shutting_down", "The server is restarting; send your message again."
)


async def open_turn(
    client: AsyncOpenAI,
    *,
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    today: date,
    secret: str | None,
    params: dict[str, Any] | None = None,
) -> AsyncAPIResponse[Any]:
    """Start the upstream stream. Fails with an ApiError (real status) before any byte is sent.

    `params` are the model choice's own (reasoning, store, include: lib/models/catalog.py).
    """
    request = client.responses.with_streaming_response.create(
        stream=True,
        # The conversation goes as the browser sent it (docs/api.md: `input=messages`, unchanged).
        # Through extra_body the SDK sends the fields as they are instead of walking them
        # against its typed schema first: for `input` that was a sixth of a worker's CPU on
        # short turns, and `model` alone cost 70 us a turn, hashing its union of model-name
        # literals (bench/).
        extra_body={
            "model": model,
            "instructions": developer_prompt(today),
            "parallel_tool_calls": False,
            "input": messages,
            "tools": tools,
            **(params or {}),
        },
    )
    try:
        return await request.__aenter__()
    except openai.OpenAIError as exc:
        UPSTREAM_ERRORS.labels(upstream_error_kind(exc)).inc()
        raise api_error_from_openai(exc, redact=secret) from None


class TurnStreamResponse(StreamingResponse):
    """The SSE response of a turn; it owns the upstream response and always closes it."""

    def __init__(
        self,
        upstream: AsyncAPIResponse[Any],
        *,
        keepalive_seconds: float,
        secret: str | None,
        on_usage: Callable[[Usage], Coroutine[Any, Any, None]] | None = None,
        on_mentions: Callable[[Mentions], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self._upstream = upstream
        self._on_usage = on_usage
        self._on_mentions = on_mentions
        self._keepalive = keepalive_seconds
        self._translator = EventTranslator(secret)
        self._outcome = "client went away"
        self._kind = "client_gone"  # the outcome as a metric label: a few fixed values
        self._started = time.monotonic()
        super().__init__(self._frames(), media_type="text/event-stream", headers=STREAM_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        OPEN_STREAMS.inc()
        try:
            await super().__call__(scope, receive, send)
        finally:
            OPEN_STREAMS.dec()
            TURN_DURATION.labels(self._kind).observe(time.monotonic() - self._started)
            await self._close_upstream()
            usage = usage_from_response(self._translator.completed_response)
            if usage is not None and self._on_usage is not None:
                # In the background: the browser has its answer and need not wait for this.
                _keep(asyncio.create_task(self._on_usage(usage)))
            logger.info(
                "turn ended: %s, %d events, %.2f s",
                self._outcome,
                self._translator.events,
                time.monotonic() - self._started,
            )

    async def _record_mentions(self) -> None:
        # Awaited before the frames go out: a download the browser starts from them finds
        # the container already recorded as its owner's.
        mentions = self._translator.take_mentions()
        if mentions and self._on_mentions is not None:
            await self._on_mentions(mentions)

    async def _close_upstream(self) -> None:
        # Shielded: the browser leaving cancels this task, but the upstream must still be told,
        # or OpenAI keeps generating (and billing) for nobody.
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_SECONDS):
            await self._upstream.close()

    async def _frames(self) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(_QUEUE_FRAMES)
        loop = asyncio.get_running_loop()
        last_sent = loop.time()

        async def pump() -> None:
            try:
                async for chunk in self._upstream.iter_bytes():
                    frames = self._translator.feed(chunk)
                    await self._record_mentions()
                    if frames:
                        await queue.put(frames)
                frames = self._translator.close()
                await self._record_mentions()
                if not self._translator.finished:
                    frames += error_frame(
                        "server_error",
                        "upstream_incomplete",
                        "OpenAI ended the response early; try again.",
                    )
                    self._outcome, self._kind = "upstream ended early", "stream_incomplete"
                    UPSTREAM_ERRORS.labels(self._kind).inc()
                else:
                    self._outcome, self._kind = "completed", "completed"
                if frames:
                    await queue.put(frames)
            except asyncio.CancelledError:
                if not shutting_down or closing:
                    raise
                self._outcome, self._kind = "server shut down", "shutdown"
                await queue.put(SHUTDOWN_FRAME)
            except (httpx2.HTTPError, OSError) as exc:
                if timed_out(exc):
                    self._outcome, self._kind = "upstream timed out", "stream_timeout"
                    frame = error_frame(
                        "timeout", "upstream_timeout", "OpenAI stopped answering; try again."
                    )
                else:
                    self._outcome = f"upstream broke ({type(exc).__name__})"
                    self._kind = "stream_disconnected"
                    frame = error_frame(
                        "server_error",
                        "upstream_disconnected",
                        "The connection to OpenAI broke before the answer was finished; try again.",
                    )
                UPSTREAM_ERRORS.labels(self._kind).inc()
                await queue.put(frame)
            except Exception:
                logger.exception("turn relay failed")
                self._outcome, self._kind = "relay failed", "relay_failed"
                await queue.put(
                    error_frame("server_error", "relay_failed", "The answer could not be relayed.")
                )
            await queue.put(_END)

        async def keep_alive() -> None:
            nonlocal last_sent
            while True:
                await asyncio.sleep(max(0.0, last_sent + self._keepalive - loop.time()))
                if loop.time() - last_sent >= self._keepalive:
                    last_sent = loop.time()
                    with contextlib.suppress(asyncio.QueueFull):  # frames are waiting anyway
                        queue.put_nowait(KEEPALIVE)

        shutting_down = closing = False

        def end_for_shutdown() -> None:
            # The pump stops reading upstream and queues SHUTDOWN_FRAME after what it has sent.
            nonlocal shutting_down
            shutting_down = True
            # Scheduled, not direct: a pump cancelled before its first step would end without
            # running its handler, and the frame would never be queued.
            loop.call_soon(pump_task.cancel)

        pump_task = asyncio.create_task(pump())
        keep_alive_task = asyncio.create_task(keep_alive())
        request_started = REQUEST_STARTED.get() or self._started
        first = True
        drain.register(end_for_shutdown)
        try:
            while True:
                item = await queue.get()
                ended = item == _END
                # Everything already waiting goes out in one write: fewer sends, same latency.
                while not ended and not queue.empty():
                    more = queue.get_nowait()
                    ended = more == _END
                    item += more
                if item:
                    if first:
                        first = False
                        FIRST_EVENT_LATENCY.observe(time.monotonic() - request_started)
                    last_sent = loop.time()
                    yield item
                if ended:
                    return
        finally:
            drain.unregister(end_for_shutdown)
            closing = True
            keep_alive_task.cancel()
            pump_task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(pump_task, keep_alive_task, return_exceptions=True)
                await self._close_upstream()
