"""A fake OpenAI API on loopback that speaks the real wire format.

`POST /v1/responses` answers from the last item of `input`:
- `function_call_output`: a text answer `The function returned: <output>`;
- `mcp_approval_response`: `MCP tool call approved.` / `MCP tool call declined.`;
- a user message: directives in its text choose the answer, otherwise the text is echoed back:
  `[[fixture:NAME]]` replays tests/fixtures/openai/NAME.sse byte for byte; `[[error:STATUS]]`
  answers with OpenAI's error body (429 with Retry-After); `[[drop:K]]` sends K deltas then drops
  the connection; `[[slow:MS]]` waits before answering; `[[synthetic:N:MS]]` streams N deltas MS ms
  apart; `[[function:NAME:JSON]]` calls a function; `[[refuse:FIELD]]` answers 400 when the
  request has FIELD (as a server that is not OpenAI may, for `reasoning` or `include`).
- a request without `stream`: a title request, answered with one message.
`GET /_fake/requests` lists the request bodies received; `DELETE /_fake/requests` forgets them.

Files, vector stores and container files answer from the recorded fixtures, and every such call
is kept in `calls` (method, path, query, JSON body or the uploaded file's name, purpose, size and
sha256); `GET /_fake/calls` lists them.
- `POST /v1/vector_stores` creates a store remembered until `reset()`; `GET /v1/vector_stores/{id}`
  and `GET|POST /v1/vector_stores/{id}/files` know those, the recorded stores, and the recorded
  files list's store; other store ids are 404 as OpenAI answers.
- `POST /v1/files` (multipart) answers `files_create.json` with the upload's name and size.
- `GET /v1/containers/{cid}/files/{fid}/content` and `GET /v1/container-files/{fid}/content`
  serve a real 2x2 PNG for the `.png` files cited in code_interpreter.sse and for file ids ending
  in `png`; `octet` in the id serves that PNG as application/octet-stream, `svg` an SVG, `html` an
  HTML page, `slow` three chunks 0.3 s apart (recorded in `streams`); otherwise
  container_file_content.txt as recorded.
- A store name or upload file name `[[id:ID]]` makes the store or file with that id (an id of
  the recorded fixtures, or one of the error ids below), so a test can own it through the API.
- Errors on demand: an id containing `_error<STATUS>` (e.g. `vs_error404`, `cfile_error500`), or a
  store name or upload file name containing `[[error:STATUS]]`, answers with OpenAI's error body.

Run it alone with `python -m tests.fakes.openai_server --port 8101` (from backend/).
"""

import asyncio
import json
import re
import threading
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.server import serve_standalone

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "openai"

SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_fake"}

_DIRECTIVE = re.compile(r"\[\[(\w+)(?::(.*?))?\]\]", re.DOTALL)

_ERROR_FIXTURES = {
    400: "error_400_invalid_param.json",
    401: "error_401_invalid_api_key.json",
    404: "error_404_response_not_found.json",
    429: "error_429_insufficient_quota.json",
}


_ERROR_IN_ID = re.compile(r"_error(\d{3})")
_ERROR_IN_NAME = re.compile(r"\[\[error:(\d{3})\]\]")
_CHOSEN_ID = re.compile(r"\[\[id:([A-Za-z0-9_-]+)\]\]")

# The store of the recorded vector_store_files_list.json, which the recorded store list lacks.
RECORDED_FILES_STORE = "vs_68c9edb91bd0819181f77b5bbe965d7a"


def tiny_png() -> bytes:
    """A real 2x2 RGB PNG, so that image previews can be tested end to end."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (2).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\xff\x00\x00\x00\x80\xff" for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_BYTES = tiny_png()
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML_BYTES = b"<!doctype html><script>alert(1)</script>"


def _chosen_id(name: str) -> str | None:
    match = _CHOSEN_ID.fullmatch(name)
    return match.group(1) if match else None


def _error_status(*values: str) -> int | None:
    for value in values:
        match = _ERROR_IN_ID.search(value) or _ERROR_IN_NAME.search(value)
        if match:
            return int(match.group(1))
    return None


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

    def usage(self, output: list[dict[str, Any]]) -> dict[str, Any]:
        """Made-up but exact token counts: 7 per input item, 1 per 4 characters of output."""
        inputs = self.body.get("input")
        input_tokens = 7 * (len(inputs) if isinstance(inputs, list) else 1)
        output_tokens = max(1, len(json.dumps(output)) // 4)
        return {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }

    def completed(self, output: list[dict[str, Any]]) -> bytes:
        response = self._response("completed", output)
        response["usage"] = self.usage(output)
        return self._event("response.completed", response=response)

    def whole(self, text: str) -> dict[str, Any]:
        """A non-streamed response with one message (what a title call gets)."""
        _, item = self.text_message([text])
        response = self._response("completed", [item])
        response["usage"] = self.usage([item])
        return response

    def text_message(
        self, deltas: list[str], annotations: list[dict[str, Any]] | None = None
    ) -> tuple[Iterator[bytes], dict[str, Any]]:
        item_id = f"msg_{uuid.uuid4().hex}"
        text = "".join(deltas)
        part = {
            "type": "output_text",
            "annotations": annotations or [],
            "logprobs": [],
            "text": text,
        }
        item = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [part],
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
        self.calls: list[dict[str, Any]] = []
        self.stores: dict[str, dict[str, Any]] = {}
        self.store_files: dict[str, list[dict[str, Any]]] = {}
        self.container_filenames = self._cited_container_files()
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/v1/responses", self.create_response, methods=["POST"]),
                Route("/v1/vector_stores", self.create_store, methods=["POST"]),
                Route("/v1/vector_stores/{store_id}", self.retrieve_store, methods=["GET"]),
                Route("/v1/vector_stores/{store_id}/files", self.list_files, methods=["GET"]),
                Route("/v1/vector_stores/{store_id}/files", self.add_file, methods=["POST"]),
                Route("/v1/files", self.create_file, methods=["POST"]),
                Route(
                    "/v1/containers/{container_id}/files/{file_id}/content",
                    self.container_file_content,
                    methods=["GET"],
                ),
                Route(
                    "/v1/container-files/{file_id}/content",
                    self.container_file_content,
                    methods=["GET"],
                ),
                Route("/_fake/requests", self.list_requests, methods=["GET"]),
                Route("/_fake/requests", self.clear_requests, methods=["DELETE"]),
                Route("/_fake/calls", self.list_calls, methods=["GET"]),
            ]
        )
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.headers.clear()
            self.streams.clear()
            self.calls.clear()
            recorded = self._fixture("vector_stores_list.json")["data"]
            self.stores = {store["id"]: store for store in recorded}
            self.stores[RECORDED_FILES_STORE] = {
                **self._fixture("vector_store_create.json"),
                "id": RECORDED_FILES_STORE,
            }
            self.store_files = {store_id: [] for store_id in self.stores}
            self.store_files[RECORDED_FILES_STORE] = self._fixture("vector_store_files_list.json")[
                "data"
            ]

    def _fixture(self, name: str) -> Any:
        return json.loads((self.fixtures_dir / name).read_text())

    def _cited_container_files(self) -> dict[str, str]:
        """file id -> file name of the container files cited in the recorded streams."""
        names: dict[str, str] = {}
        text = (self.fixtures_dir / "code_interpreter.sse").read_text()
        for line in text.splitlines():
            if not line.startswith("data: ") or "container_file_citation" not in line:
                continue
            for annotation in re.finditer(r'"file_id":"(cfile_\w+)","filename":"([^"]+)"', line):
                names[annotation.group(1)] = annotation.group(2)
        return names

    def _record(self, request: Request, **details: Any) -> None:
        call = {
            "method": request.method,
            "path": request.scope.get("raw_path", b"").decode("latin-1") or request.url.path,
            "query": dict(request.query_params),
            **details,
        }
        with self._lock:
            self.calls.append(call)

    async def list_calls(self, _: Request) -> Response:
        return JSONResponse(self.calls)

    def _store_or_error(self, store_id: str) -> Response | None:
        if (status := _error_status(store_id)) is not None:
            return self._recorded_error(status)
        if store_id not in self.stores:
            return self._not_found(f"No vector store found with id '{store_id}'.")
        return None

    async def create_store(self, request: Request) -> Response:
        body = await request.json()
        self._record(request, json=body)
        name = body.get("name")
        chosen = _chosen_id(str(name))
        if chosen is None and (status := _error_status(str(name))) is not None:
            return self._recorded_error(status)
        if chosen is not None and chosen in self.stores:
            return JSONResponse(self.stores[chosen])
        store = {
            **self._fixture("vector_store_create.json"),
            "id": chosen or f"vs_{uuid.uuid4().hex}",
            "name": name,
            "created_at": int(time.time()),
        }
        with self._lock:
            self.stores[store["id"]] = store
            self.store_files[store["id"]] = []
        return JSONResponse(store)

    async def retrieve_store(self, request: Request) -> Response:
        store_id = request.path_params["store_id"]
        self._record(request)
        return self._store_or_error(store_id) or JSONResponse(self.stores[store_id])

    async def list_files(self, request: Request) -> Response:
        store_id = request.path_params["store_id"]
        self._record(request)
        if (failure := self._store_or_error(store_id)) is not None:
            return failure
        files = self.store_files[store_id]
        return JSONResponse(
            {
                "object": "list",
                "data": files,
                "first_id": files[0]["id"] if files else None,
                "last_id": files[-1]["id"] if files else None,
                "has_more": False,
            }
        )

    async def add_file(self, request: Request) -> Response:
        store_id = request.path_params["store_id"]
        body = await request.json()
        self._record(request, json=body)
        file_id = str(body.get("file_id"))
        if (status := _error_status(file_id)) is not None:
            return self._recorded_error(status)
        if (failure := self._store_or_error(store_id)) is not None:
            return failure
        added = {
            **self._fixture("vector_store_file_create.json"),
            "id": file_id,
            "vector_store_id": store_id,
            "created_at": int(time.time()),
        }
        with self._lock:
            self.store_files[store_id].append({**added, "status": "completed"})
        return JSONResponse(added)

    async def create_file(self, request: Request) -> Response:
        async with request.form() as form:
            upload = form.get("file")
            purpose = form.get("purpose")
            if not isinstance(upload, UploadFile):
                self._record(request, purpose=purpose)
                return self._error(400, "Missing required parameter: 'file'.")
            content = await upload.read()
            details = {
                "filename": upload.filename,
                "purpose": purpose,
                "bytes": len(content),
                "sha256": sha256(content).hexdigest(),
                "content_type": upload.content_type,
            }
        self._record(request, file=details)
        chosen = _chosen_id(str(upload.filename))
        if chosen is None and (status := _error_status(str(upload.filename))) is not None:
            return self._recorded_error(status)
        created = {
            **self._fixture("files_create.json"),
            "id": chosen or f"file-{uuid.uuid4().hex[:22]}",
            "filename": upload.filename,
            "bytes": len(content),
            "purpose": purpose,
            "created_at": int(time.time()),
        }
        return JSONResponse(created)

    async def container_file_content(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        container_id = request.path_params.get("container_id", "")
        self._record(request)
        if (status := _error_status(file_id, container_id)) is not None:
            return self._recorded_error(status)
        filename = self.container_filenames.get(file_id, "")
        if filename.endswith(".png") or file_id.endswith("png"):
            return Response(PNG_BYTES, media_type="image/png")
        if "octet" in file_id:
            return Response(PNG_BYTES, media_type="application/octet-stream")
        if "svg" in file_id:
            return Response(SVG_BYTES, media_type="image/svg+xml")
        if "html" in file_id:
            return Response(HTML_BYTES, media_type="text/html; charset=utf-8")
        if "slow" in file_id:
            chunks = [f"chunk {i}\n".encode() for i in range(3)]
            return self._stream(iter(chunks), interval_ms=300, media_type="text/plain")
        return Response(
            (self.fixtures_dir / "container_file_content.txt").read_bytes(),
            headers={
                "content-type": "text/plain; charset=utf-8",
                # As recorded: the backend must set its own, never pass this through.
                "content-disposition": 'attachment; filename="file.txt"',
            },
        )

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
            return self._answer_whole(body)
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
        refused = directives.get("refuse")
        if refused is not None and refused in body:
            # A Responses-compatible server that does not know this parameter.
            error = {
                "message": f"Unrecognized request argument supplied: {refused}",
                "type": "invalid_request_error",
                "param": refused,
                "code": None,
            }
            return JSONResponse({"error": error}, status_code=400)
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
        if "cite" in directives:
            container_id, _, file_id = directives["cite"].partition(":")
            citation = {
                "type": "container_file_citation",
                "container_id": container_id,
                "file_id": file_id,
                "filename": f"{file_id}.png",
                "start_index": 0,
                "end_index": 0,
            }
            message = builder.text_message(["Here is the file."], [citation])
            return self._stream(self._whole(builder, *message))
        if "drop" in directives:
            count = int(directives["drop"])
            events, _ = builder.text_message([f"part{i} " for i in range(count)])
            head = [*builder.start(), next(events), next(events)]
            head += [next(events) for _ in range(count)]
            return self._stream(iter(head), drop=True)
        answer = _DIRECTIVE.sub("", text).strip() or "Hello!"
        return self._stream_text(builder, answer)

    def _answer_whole(self, body: dict[str, Any]) -> Response:
        """Non-streamed: a title request. Its input text may carry `[[error:STATUS]]`; otherwise
        the answer is `Fake title: ` and the input's first three words."""
        given = body.get("input")
        text = given if isinstance(given, str) else _user_text((given or [{}])[-1])
        directives = {m.group(1): m.group(2) or "" for m in _DIRECTIVE.finditer(text)}
        if "error" in directives:
            return self._recorded_error(int(directives["error"]))
        words = _DIRECTIVE.sub("", text).split()[:3]
        return JSONResponse(ResponseBuilder(body).whole("Fake title: " + " ".join(words)))

    def _whole(
        self, builder: ResponseBuilder, events: Iterator[bytes], item: dict[str, Any]
    ) -> Iterator[bytes]:
        yield from builder.start()
        yield from events
        yield builder.completed([item])

    def _stream_text(self, builder: ResponseBuilder, text: str) -> Response:
        return self._stream(self._whole(builder, *builder.text_message(_chunks(text))))

    def _stream(
        self,
        events: Iterator[bytes],
        interval_ms: int = 0,
        drop: bool = False,
        media_type: str | None = None,
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

        if media_type is not None:
            return StreamingResponse(body(), media_type=media_type)
        return StreamingResponse(body(), headers=SSE_HEADERS)

    def _recorded_error(self, status: int) -> Response:
        name = _ERROR_FIXTURES.get(status)
        if name is None:
            return self._error(status, "The server had an error while processing your request.")
        headers = {"retry-after": "7"} if status == 429 else None
        content = (self.fixtures_dir / name).read_bytes()
        return Response(content, status_code=status, media_type="application/json", headers=headers)

    @staticmethod
    def _not_found(message: str) -> Response:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
        return JSONResponse({"error": error}, status_code=404)

    @staticmethod
    def _error(status: int, message: str) -> Response:
        error = {"message": message, "type": "server_error", "param": None, "code": None}
        return JSONResponse({"error": error}, status_code=status)


def main() -> None:
    serve_standalone(lambda _: FakeOpenAI().app, __doc__.splitlines()[0], 8101)


if __name__ == "__main__":
    main()
