"""One turn of a server-kept conversation, as a task of its own (docs/api.md, A turn).

The run reads the upstream, keeps the answer (lib/conversations/turns.py stores it), runs the
functions the server offers when the model calls them, and publishes every event as a numbered
frame. Its life does not depend on any HTTP connection: the request that started it is only its
first listener. Only `cancel`, TURN_MAX_SECONDS or the server stopping end it early, and even
then what arrived is kept.
"""

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import anyio
import httpx2
from openai import AsyncOpenAI

from lib.conversations.items import output_text, replayable
from lib.conversations.turns import TurnStart, TurnStore
from lib.errors import ApiError
from lib.functions.registry import FunctionContext, call_function
from lib.openai.client import timed_out
from lib.openai.redaction import DeltaWindow, redact_bytes, secret_forms
from lib.openai.turn import open_turn
from lib.resources.mentions import Mentions, mentions_in
from lib.runs.frames import encode, encode_raw, error_data
from lib.runs.log import RunLog
from lib.runs.upstream import EventParser, RawEvent
from lib.usage.repository import Usage
from lib.usage.tokens import add_usage, usage_from_response

logger = logging.getLogger(__name__)

# The answer is stored at every finished item, and at least this often while text streams; the
# same beat tells other workers this run is alive.
SAVE_EVERY_SECONDS = 1.0
CLOSE_SECONDS = 1.0
_FAILED_EVENTS = frozenset({"error", "response.failed"})

# (turn id, numbered frames, the last of the run, urgent: written without lingering)
Publisher = Callable[[str, list[tuple[int, bytes]], bool, bool], "asyncio.Future[None]"]


class Run:
    def __init__(
        self,
        *,
        start: TurnStart,
        owner: str,
        openai: AsyncOpenAI,
        tools: list[dict[str, Any]],
        secret: str | None,
        store: TurnStore,
        context: FunctionContext,
        title_model: str,
        share: Publisher | None,
        beat: Callable[[str], Awaitable[None]] | None,
        params: dict[str, Any] | None = None,
        price: Callable[[Usage | None], float | None] | None = None,
        after: Callable[[Usage | None], Awaitable[None]] | None = None,
        record: Callable[[Mentions], Awaitable[None]] | None = None,
    ) -> None:
        self._after = after
        self._record = record
        self._params = params or {}
        self._price = price
        self.start = start
        self.turn_id = start.turn_id
        self.owner = owner
        self.log = RunLog()
        self._openai = openai
        self._tools = tools
        self._secret = secret
        self._window = DeltaWindow(secret) if secret else None
        self._forms = secret_forms(secret) if secret else []
        self._store = store
        self._context = context
        self._title_model = title_model
        self._share = share
        self._beat = beat
        self._shared_ok = share is not None
        self._watched: asyncio.Future[None] | None = None
        # The answer: finished output items (reasoning with its encrypted content) and the
        # outputs of the functions run; the text of messages still streaming, by item id.
        self.items: list[dict[str, Any]] = []
        self._partial: dict[str, str] = {}
        # Text deltas not parsed yet, by item id: most items finish (and bring their whole
        # text) before a save needs the text so far, and parsing every delta cost a run a
        # seventh of its CPU (bench/conversations.py).
        self._deltas: dict[str, list[RawEvent]] = {}
        self._dirty = False
        self._item_finished = asyncio.Event()
        self._saving_stopped = False
        self.usage: Usage | None = None
        self.error: dict[str, Any] | None = None
        self.status = "streaming"
        self._stop_reason: str | None = None
        self._work: asyncio.Task[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self.started = time.monotonic()

    # --- control

    def begin(self) -> "asyncio.Task[None]":
        self.task = asyncio.create_task(self._life(), name=f"run {self.turn_id}")
        return self.task

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop reading the upstream; the run ends `cancelled` (or `incomplete` for a shutdown)
        with what it has."""
        if self._stop_reason is None:
            self._stop_reason = reason
        if self._work is not None:
            self._work.cancel()

    @property
    def cost_usd(self) -> float | None:
        return self._price(self.usage) if self._price is not None else None

    @property
    def ended(self) -> bool:
        return self.log.ended

    # --- frames

    async def _publish(self, event: str, data: Any, wait: bool = False) -> None:
        if event == "error" and isinstance(data, dict) and isinstance(data.get("error"), dict):
            self.error = data["error"]  # kept with the answer: the last one said
        frame = encode(self.log.last_id + 1, event, data, self._secret)
        number = self.log.append(frame)
        await self._share_frames([(number, frame)], last=False, wait=wait)

    async def _publish_raw(self, event: RawEvent) -> None:
        if self._window is not None and event.type.endswith((".delta", ".done")):
            # The token may come split across deltas: such events go through the window.
            filtered = self._window.filter(event.parsed())
            frame = encode(self.log.last_id + 1, event.type, filtered, self._secret)
        else:
            frame = encode_raw(self.log.last_id + 1, event.type, event.data, self._secret)
        number = self.log.append(frame)
        if self._shared_ok:
            await self._share_frames([(number, frame)], last=False)

    async def _share_frames(
        self, frames: list[tuple[int, bytes]], last: bool, wait: bool = False
    ) -> None:
        """Frames for listeners on other workers. Most go out with the next batch while the run
        reads on; the first and the last are awaited, so another worker knows the run as soon
        as its POST answers, and has its end when it ends."""
        if not self._shared_ok or self._share is None:
            return
        done = self._share(self.turn_id, frames, last, wait or last)
        if not (wait or last):
            # Frames of one write share a future: one callback for all of them.
            if done is not self._watched:
                self._watched = done
                done.add_done_callback(self._shared)
            return
        try:
            await done
        except Exception as exc:
            self._sharing_failed(exc)

    def _upstream_error(self, event: dict[str, Any]) -> dict[str, Any] | None:
        error = _error_of(event)
        if error is not None and self._forms:
            # What OpenAI says may quote the request, the Google token included.
            message = redact_bytes(error["message"].encode(), self._forms).decode()
            error = {**error, "message": message}
        return error

    def _shared(self, done: "asyncio.Future[None]") -> None:
        if not done.cancelled() and (exc := done.exception()) is not None:
            self._sharing_failed(exc)

    def _sharing_failed(self, exc: BaseException) -> None:
        if self._shared_ok:
            # The run goes on for its listeners in this process; other workers lose it.
            logger.warning("run %s: frames no longer shared (%s)", self.turn_id, type(exc).__name__)
            self._shared_ok = False

    # --- the life of the run

    async def _life(self) -> None:
        failure: dict[str, Any] | None = None
        saver = asyncio.create_task(self._save_regularly())
        try:
            await self._publish(
                "turn.started",
                {
                    "type": "turn.started",
                    "conversation_id": self.start.conversation_id,
                    "turn_id": self.turn_id,
                    "user_message_id": self.start.user_message_id,
                },
                wait=True,
            )
            self._work = asyncio.create_task(self._rounds())
            try:
                async with asyncio.timeout(self._context.settings.turn_max_seconds):
                    await asyncio.shield(self._work)
            except TimeoutError:
                self.cancel("timeout")
                with contextlib.suppress(asyncio.CancelledError):
                    await self._work
            except asyncio.CancelledError:
                # The run's own task cancelled (the server stopping): end as cut short.
                self.cancel("shutdown")
                with contextlib.suppress(asyncio.CancelledError):
                    await self._work
            # A cancel that came after the answer was complete changes nothing.
            if self._work.cancelled():
                self.status, failure = _stopped(self._stop_reason)
        except Exception:
            logger.exception("run %s failed", self.turn_id)
            self.status = "incomplete"
            failure = error_data("server_error", "run_failed", "The answer could not be finished.")
        finally:
            self._saving_stopped = True
            self._item_finished.set()
            with anyio.CancelScope(shield=True):
                await saver
                await self._end(failure)

    async def _end(self, failure: dict[str, Any] | None) -> None:
        if failure is not None:
            await self._publish("error", failure)
        items = self._final_items()
        try:
            await self._store.finish(
                self.turn_id,
                owner=self.owner,
                model=self.start.model,
                status=self.status,
                items=items,
                text=output_text(items),
                usage=self.usage,
                cost_usd=self.cost_usd,
                error=self.error if self.status != "completed" else None,
            )
        except Exception:
            logger.exception("run %s: the final state could not be stored", self.turn_id)
        if self._after is not None:
            try:
                await self._after(self.usage)
            except Exception as exc:
                logger.warning("run %s: usage not counted (%s)", self.turn_id, type(exc).__name__)
        if self.start.first_turn and self.status == "completed":
            with contextlib.suppress(Exception):
                title = await self._store.maybe_generate_title(
                    self.owner, self.start.conversation_id, self._openai, self._title_model
                )
                if title:
                    await self._publish(
                        "conversation.title", {"type": "conversation.title", "title": title}
                    )
        ended: dict[str, Any] = {"type": "turn.ended", "status": self.status, "usage": self.usage}
        if self.cost_usd is not None:
            ended["cost_usd"] = self.cost_usd
        frame = encode(self.log.last_id + 1, "turn.ended", ended, self._secret)
        number = self.log.append(frame)
        self.log.end()
        await self._share_frames([(number, frame)], last=True)
        logger.info(
            "run ended: %s, %d frames, %.2f s", self.status, number, time.monotonic() - self.started
        )

    def _final_items(self) -> list[dict[str, Any]]:
        """The stored answer: what finished, and text still streaming kept as cut short."""
        self._read_deltas()
        cut = [
            {
                "id": item_id,
                "type": "message",
                "role": "assistant",
                "status": "incomplete",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
            for item_id, text in self._partial.items()
            if text
        ]
        return self.items + cut

    async def _save_regularly(self) -> None:
        """Stores the answer when an item finishes and at least every second while it changes;
        otherwise beats. One writer per run, so saves never pile up; a save still waiting when
        the run ends is left to the final one. It is stopped between saves, never cancelled in
        one: a database call cut in the middle costs the pool its connection."""
        while not self._saving_stopped:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SAVE_EVERY_SECONDS):
                    await self._item_finished.wait()
            self._item_finished.clear()
            if self._stopping():
                return
            try:
                if self._dirty:
                    await self._save()
                else:
                    await self._store.heartbeat(self.turn_id)
                if self._beat is not None and self._shared_ok:
                    await self._beat(self.turn_id)
            except Exception as exc:
                logger.warning("run %s: saving failed (%s)", self.turn_id, type(exc).__name__)

    def _stopping(self) -> bool:
        return self._saving_stopped

    async def _save(self) -> None:
        self._dirty = False
        items = self._final_items()
        await self._store.save_progress(self.turn_id, items=items, text=output_text(items))

    # --- reading the upstream

    async def _rounds(self) -> None:
        upstream_input = list(self.start.upstream_input)
        max_rounds = self._context.settings.max_tool_rounds
        for round_number in range(max_rounds + 1):
            round_items = await self._one_response(upstream_input)
            if self.status == "failed":
                return
            calls = [item for item in round_items if item.get("type") == "function_call"]
            if not calls:
                self.status = self.status if self.status == "incomplete" else "completed"
                return
            if round_number == max_rounds:
                self.status = "incomplete"
                await self._publish(
                    "error",
                    error_data(
                        "server_error",
                        "too_many_tool_rounds",
                        f"The model kept calling functions ({max_rounds} rounds); the answer "
                        "was stopped there.",
                    ),
                )
                return
            outputs = []
            for call in calls:
                result = await call_function(
                    str(call.get("name", "")), str(call.get("arguments") or "{}"), self._context
                )
                output = {
                    "type": "function_call_output",
                    "call_id": call.get("call_id"),
                    "output": json.dumps(result, ensure_ascii=False),
                }
                self.items.append(output)
                outputs.append(output)
                await self._publish(
                    "function_call.output", {"type": "function_call.output", "item": output}
                )
            await self._save()
            upstream_input = upstream_input + replayable(round_items + outputs)

    async def _one_response(self, upstream_input: list[dict[str, Any]]) -> list[dict[str, Any]]:
        round_items: list[dict[str, Any]] = []
        try:
            response = await open_turn(
                self._openai,
                model=self.start.model,
                messages=upstream_input,
                tools=self._tools,
                today=date.today(),
                secret=self._secret,
                params=self._params,
            )
        except ApiError as exc:
            self.status = "failed"
            await self._publish(
                "error", error_data("invalid_request_error", "upstream_refused", exc.message)
            )
            return round_items
        finished = False
        parser = EventParser()
        try:
            # Chunk by chunk, not through an async generator of events: a frame less for
            # every event of every run.
            async for chunk in response.iter_bytes():
                for event in parser.feed(chunk):
                    finished = await self._on_event(event, round_items) or finished
            for event in parser.close():
                finished = await self._on_event(event, round_items) or finished
        except (httpx2.HTTPError, OSError) as exc:
            self.status = "incomplete"
            code, words = (
                ("upstream_timeout", "OpenAI stopped answering; the answer so far is kept.")
                if timed_out(exc)
                else (
                    "upstream_disconnected",
                    "The connection to OpenAI broke; the answer so far is kept.",
                )
            )
            await self._publish("error", error_data("server_error", code, words))
            return round_items
        finally:
            # Shielded: a cancel must still close the upstream, or OpenAI goes on (and bills).
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_SECONDS):
                await response.close()
        if not finished and self.status == "streaming":
            self.status = "incomplete"
            await self._publish(
                "error",
                error_data("server_error", "upstream_incomplete", "OpenAI ended the answer early."),
            )
        return round_items

    async def _on_event(self, event: RawEvent, round_items: list[dict[str, Any]]) -> bool:
        """Keeps what the event adds to the answer, then publishes it; True when it ends the
        response."""
        kind = event.type
        ends = False
        if kind == "response.output_text.delta":
            found = _ITEM_ID.search(event.data)
            if found is not None:
                self._deltas.setdefault(found[1].decode(), []).append(event)
            else:
                self._read_deltas()  # the earlier ones first: the text stays in order
                self._add_delta(event)
            self._dirty = True
        elif kind == "response.output_item.done":
            item = event.parsed().get("item")
            if isinstance(item, dict):
                # The finished item has its whole text: its deltas are not needed any more.
                self._deltas.pop(str(item.get("id", "")), None)
                self._partial.pop(str(item.get("id", "")), None)
                self.items.append(item)
                round_items.append(item)
                self._dirty = True
                self._item_finished.set()
        elif kind in ("response.completed", "response.incomplete"):
            self.usage = add_usage(self.usage, usage_from_response(event.parsed().get("response")))
            if kind == "response.incomplete":
                self.status = "incomplete"
            ends = True
        elif kind in _FAILED_EVENTS:
            self.status = "failed"
            self.error = self._upstream_error(event.parsed())
            ends = True
        if self._record is not None and (mentions := mentions_in(event.data)):
            # Before the frame goes out: a download started from it finds the owner recorded.
            await self._record(mentions)
        await self._publish_raw(event)
        return ends

    def _add_delta(self, event: RawEvent) -> None:
        try:
            parsed = event.parsed()
        except ValueError:
            return  # not JSON: no text to keep (and a save or the end must not fail on it)
        item_id = str(parsed.get("item_id", ""))
        self._partial[item_id] = self._partial.get(item_id, "") + str(parsed.get("delta", ""))

    def _read_deltas(self) -> None:
        """The text so far of every item still streaming, from the deltas not parsed yet."""
        for events in self._deltas.values():
            for event in events:
                self._add_delta(event)
        self._deltas.clear()


# The item a text delta belongs to, found without parsing the event: an id is a plain JSON
# string (no escapes), and the key appears unescaped only as a key. What does not match is
# parsed at once.
_ITEM_ID = re.compile(rb'"item_id"\s*:\s*"([^"\\]*)"')


def _error_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The error of an upstream `error` or `response.failed` event, in the frames' shape."""
    response = event.get("response")
    found = event.get("error") or (response.get("error") if isinstance(response, dict) else None)
    if not isinstance(found, dict):
        found = event  # the flat shape: {"type": "error", "code", "message"}
    message = found.get("message")
    if not isinstance(message, str) or not message:
        return None
    code = found.get("code")
    return {
        "type": str(found.get("type") or "server_error"),
        "code": code if isinstance(code, str) else None,
        "message": message,
    }


def _stopped(reason: str | None) -> tuple[str, dict[str, Any] | None]:
    if reason == "timeout":
        return "incomplete", error_data(
            "timeout",
            "turn_timeout",
            "The answer took longer than this server allows; it was stopped.",
        )
    if reason == "shutdown":
        return "incomplete", error_data(
            "server_error",
            "server_shutting_down",
            "The server is restarting; the answer so far is kept.",
        )
    return "cancelled", None
