"""A turn of a server-kept conversation (docs/api.md, A turn): start it, listen to it (again),
cancel it. The run itself lives in lib/runs/; these routes only start and follow it."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import StreamingResponse

from lib.conversations.turns import UNSET, Unset
from lib.deps import OwnerDep, RunsDep, SettingsDep
from lib.errors import BadRequest
from lib.openai.tools import ToolsState
from lib.runs.service import start_turn
from lib.runs.stream import frames_response
from lib.server.request_body import read_json, validate_body

router = APIRouter(prefix="/api/conversations/{conversation_id}/turns")

# An input item the turn accepts: a message of the user, or the answer to an MCP approval.
_INPUT_TYPES = frozenset({"message", "mcp_approval_response"})
MAX_INPUT_ITEMS = 100


class TurnBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    input: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_INPUT_ITEMS)
    text: str | None = Field(default=None, min_length=1, max_length=200_000)
    parent_id: str | None = Field(default=None, max_length=40)
    regenerate: str | None = Field(default=None, max_length=40)
    toolsState: ToolsState | None = None
    model: str | None = Field(default=None, max_length=100)
    reasoning: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_kind_of_turn(self) -> "TurnBody":
        given = [name for name in ("input", "text", "regenerate") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("send exactly one of `input`, `text` or `regenerate`")
        for index, item in enumerate(self.input or []):
            kind = item.get("type", "message" if "role" in item else None)
            if kind not in _INPUT_TYPES or (kind == "message" and item.get("role") != "user"):
                raise ValueError(f"input.{index}: a user message or an mcp_approval_response item")
        return self

    def input_items(self) -> list[dict[str, Any]] | None:
        if self.text is not None:
            return [{"role": "user", "content": self.text}]
        return self.input

    def parent(self) -> str | Unset | None:
        # Leaving parent_id out (the end of the active path) differs from null (a new root).
        return self.parent_id if "parent_id" in self.model_fields_set else UNSET


@router.post("")
async def post_turn(
    conversation_id: str,
    request: Request,
    owner: OwnerDep,
    runs: RunsDep,
    settings: SettingsDep,
) -> StreamingResponse:
    # Read by hand, so the body's objects are counted before it is parsed (request_body.py).
    body = validate_body(TurnBody, await read_json(request, settings.max_turn_bytes))
    run = await start_turn(runs, request, owner, conversation_id, body)
    return frames_response(
        run.log.follow(0, settings.stream_keepalive_seconds),
        {"X-Conversation-Id": conversation_id, "X-Turn-Id": run.turn_id},
    )


_LAST_EVENT_ID = re.compile(r"\d{1,9}")


@router.get("/{turn_id}/events")
async def turn_events(
    conversation_id: str,
    turn_id: str,
    owner: OwnerDep,
    runs: RunsDep,
    settings: SettingsDep,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> StreamingResponse:
    if after is None and last_event_id is not None:
        if not _LAST_EVENT_ID.fullmatch(last_event_id.strip()):
            raise BadRequest("Last-Event-ID: the number of the last frame received.")
        after = int(last_event_id)
    status = await runs.store.get_turn_status(owner, conversation_id, turn_id)
    frames = await runs.hub.follow(turn_id, after or 0, status, settings.stream_keepalive_seconds)
    return frames_response(frames)


@router.post("/{turn_id}/cancel", status_code=202)
async def cancel_turn(
    conversation_id: str, turn_id: str, owner: OwnerDep, runs: RunsDep
) -> dict[str, str]:
    status = await runs.store.get_turn_status(owner, conversation_id, turn_id)
    if status != "streaming":
        return {"status": status}
    await runs.hub.cancel(turn_id)
    return {"status": "cancelled"}
