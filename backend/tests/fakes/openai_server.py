"""A fake OpenAI API on loopback that speaks the real wire format.

`POST /v1/responses` answers from the last item of `input`:
- `function_call_output`: a text answer `The function returned: <output>`;
- `mcp_approval_response`: `MCP tool call approved.` / `MCP tool call declined.`;
- a user message: directives in its text choose the answer, otherwise the text is echoed back:
  `[[fixture:NAME]]` replays shared/fixtures/NAME.sse byte for byte; `[[error:STATUS]]` answers
  with OpenAI's error body (429 with Retry-After); `[[drop:K]]` sends K deltas then drops the
  connection; `[[slow:MS]]` waits before answering; `[[synthetic:N:MS]]` streams N deltas MS ms
  apart; `[[function:NAME:JSON]]` calls a function.
`GET /_fake/requests` lists the request bodies received; `DELETE /_fake/requests` forgets them.

Run it alone with `python -m tests.fakes.openai_server --port 8101` (from backend/).
"""

import argparse
import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

FIXTURES_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"

SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_fake"}

_DIRECTIVE = re.compile(r"\[\[(\w+)(?::(.*?))?\]\]", re.DOTALL)

_ERROR_FIXTURES = {
    400: "error_400_invalid_param.json",
    401: "error_401_invalid_api_key.json",
    404: "error_404_response_not_found.json",
    429: "error_429_insufficient_quota.json",
}


class DroppedConnectionError(Exception):
    """Raised inside a streaming body: uvicorn then cuts the connection mid-body."""


@dataclass
class StreamRecord:
    """What became of one streamed answer, for tests of disconnects."""

    started_at: float = field(default_factory=time.monotonic)
    ended_at: float | None = None
    completed: bool = False
    events_sent: int = 0


def sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def _user_text(item: dict[str, Any]) -> str:
    content = item.get("content", "")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class ResponseBuilder:
    """Events of one synthetic response, shaped like OpenAI's."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.id = f"resp_{uuid.uuid4().hex}"
        self.body = body
        self.sequence = 0

    def _event(self, event_type: str, **fields: Any) -> bytes:
        event = {"type": event_type, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return sse(event)

    def _response(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "model": self.body.get("model", "gpt-fake"),
            "instructions": self.body.get("instructions"),
            "output": output,
            "parallel_tool_calls": self.body.get("parallel_tool_calls", True),
            # OpenAI echoes the tools, `authorization` values included.
            "tools": self.body.get("tools", []),
            "temperature": 1.0,
            "usage": None,
        }

    def start(self) -> list[bytes]:
        return [
            self._event("response.created", response=self._response("in_progress", [])),
            self._event("response.in_progress", response=self._response("in_progress", [])),
        ]

    def completed(self, output: list[dict[str, Any]]) -> bytes:
        return self._event("response.completed", response=self._response("completed", output))

    def text_message(self, deltas: list[str]) -> tuple[Iterator[bytes], dict[str, Any]]:
        item_id = f"msg_{uuid.uuid4().hex}"
        text = "".join(deltas)
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
        }
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}

        def events() -> Iterator[bytes]:
            yield self._event(
                "response.output_item.added",
                output_index=0,
                item={**item, "status": "in_progress", "content": []},
            )
            yield self._event(
                "response.content_part.added",
                **where,
                part={"type": "output_text", "annotations": [], "logprobs": [], "text": ""},
            )
            for delta in deltas:
                yield self._event(
                    "response.output_text.delta", **where, delta=delta, logprobs=[], obfuscation="x"
                )
            yield self._event("response.output_text.done", **where, text=text, logprobs=[])
            yield self._event("response.content_part.done", **where, part=item["content"][0])
            yield self._event("response.output_item.done", output_index=0, item=item)

        return events(), item

    def function_call(self, name: str, arguments: str) -> tuple[Iterator[bytes], dict[str, Any]]:
        item = {
            "id": f"fc_{uuid.uuid4().hex}",
            "type": "function_call",
            "status": "completed",
            "arguments": arguments,
            "call_id": f"call_{uuid.uuid4().hex[:24]}",
            "name": name,
        }
        where = {"item_id": item["id"], "output_index": 0}

        def events() -> Iterator[bytes]:
            yield self._event(
                "response.output_item.added",
                output_index=0,
                item={**item, "status": "in_progress", "arguments": ""},
            )
            for delta in _chunks(arguments, 4):
                yield self._event(
                    "response.function_call_arguments.delta", **where, delta=delta, obfuscation="x"
                )
            yield self._event("response.function_call_arguments.done", **where, arguments=arguments)
            yield self._event("response.output_item.done", output_index=0, item=item)

        return events(), item


class FakeOpenAI:
    def __init__(self, fixtures_dir: Path = FIXTURES_DIR) -> None:
        self.fixtures_dir = fixtures_dir
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.streams: list[StreamRecord] = []
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/responses", self.create_response, methods=["POST"]),
                Route("/_fake/requests", self.list_requests, methods=["GET"]),
                Route("/_fake/requests", self.clear_requests, methods=["DELETE"]),
            ]
        )

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.headers.clear()
            self.streams.clear()

    async def list_requests(self, _: Request) -> Response:
        return JSONResponse(self.requests)

    async def clear_requests(self, _: Request) -> Response:
        self.reset()
        return Response(status_code=204)

    async def create_response(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(request.headers))
        if not body.get("stream"):
            return self._error(400, "This fake only streams: send stream=true.")
        items = body.get("input") or []
        last = items[-1] if isinstance(items, list) and items else {}
        if not isinstance(last, dict):
            last = {}
        builder = ResponseBuilder(body)

        if last.get("type") == "function_call_output":
            return self._stream_text(builder, f"The function returned: {last.get('output', '')}")
        if last.get("type") == "mcp_approval_response":
            verdict = "approved" if last.get("approve") else "declined"
            return self._stream_text(builder, f"MCP tool call {verdict}.")

        text = _user_text(last)
        directives = {m.group(1): m.group(2) or "" for m in _DIRECTIVE.finditer(text)}
        if "slow" in directives:
            await asyncio.sleep(int(directives["slow"]) / 1000)
        if "error" in directives:
            return self._recorded_error(int(directives["error"]))
        if "fixture" in directives:
            path = self.fixtures_dir / f"{directives['fixture']}.sse"
            return self._stream(iter([path.read_bytes()]))
        if "function" in directives:
            name, _, arguments = directives["function"].partition(":")
            events, item = builder.function_call(name, arguments or "{}")
            return self._stream(self._whole(builder, events, item))
        if "synthetic" in directives:
            count, _, interval = directives["synthetic"].partition(":")
            deltas = [f"word{i} " for i in range(int(count))]
            return self._stream(
                self._whole(builder, *builder.text_message(deltas)),
                interval_ms=int(interval or 0),
            )
        if "drop" in directives:
            count = int(directives["drop"])
            events, _ = builder.text_message([f"part{i} " for i in range(count)])
            head = [*builder.start(), next(events), next(events)]
            head += [next(events) for _ in range(count)]
            return self._stream(iter(head), drop=True)
        answer = _DIRECTIVE.sub("", text).strip() or "Hello!"
        return self._stream_text(builder, answer)

    def _whole(
        self, builder: ResponseBuilder, events: Iterator[bytes], item: dict[str, Any]
    ) -> Iterator[bytes]:
        yield from builder.start()
        yield from events
        yield builder.completed([item])

    def _stream_text(self, builder: ResponseBuilder, text: str) -> Response:
        return self._stream(self._whole(builder, *builder.text_message(_chunks(text))))

    def _stream(
        self, events: Iterator[bytes], interval_ms: int = 0, drop: bool = False
    ) -> Response:
        record = StreamRecord()
        with self._lock:
            self.streams.append(record)

        async def body() -> AsyncIterator[bytes]:
            try:
                for index, event in enumerate(events):
                    if interval_ms and index:
                        await asyncio.sleep(interval_ms / 1000)
                    yield event
                    record.events_sent += 1
                if drop:
                    # A break some time after the last event, as networks break: aiohttp (the
                    # backend's transport) drops bytes that arrive in the same read as a reset.
                    await asyncio.sleep(0.05)
                    raise DroppedConnectionError
                record.completed = True
            finally:
                record.ended_at = time.monotonic()

        return StreamingResponse(body(), headers=SSE_HEADERS)

    def _recorded_error(self, status: int) -> Response:
        name = _ERROR_FIXTURES.get(status)
        if name is None:
            return self._error(status, "The server had an error while processing your request.")
        headers = {"retry-after": "7"} if status == 429 else None
        content = (self.fixtures_dir / name).read_bytes()
        return Response(content, status_code=status, media_type="application/json", headers=headers)

    @staticmethod
    def _error(status: int, message: str) -> Response:
        error = {"message": message, "type": "server_error", "param": None, "code": None}
        return JSONResponse({"error": error}, status_code=status)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    args = parser.parse_args()
    uvicorn.run(FakeOpenAI().app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
