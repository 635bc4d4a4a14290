"""POST /api/turn_response: one streamed chat turn (docs/api.md)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from lib.deps import OpenAIDep, SettingsDep
from lib.google.connectors import google_access_token
from lib.openai.tools import ToolsState, build_tools
from lib.openai.turn import TurnStreamResponse, open_turn

router = APIRouter()


class TurnRequest(BaseModel):
    # The original client also sends a top-level googleIntegrationEnabled; toolsState has it too.
    model_config = ConfigDict(extra="ignore")

    messages: list[dict[str, Any]]
    toolsState: ToolsState | None = None


@router.post("/api/turn_response", response_class=TurnStreamResponse)
async def turn_response(
    body: TurnRequest, request: Request, settings: SettingsDep, client: OpenAIDep
) -> TurnStreamResponse:
    tools_state = body.toolsState or ToolsState()
    token = await google_access_token(request) if tools_state.googleIntegrationEnabled else None
    upstream = await open_turn(
        client,
        model=settings.openai_model,
        messages=body.messages,
        tools=build_tools(tools_state, token),
        today=date.today(),
        secret=token,
    )
    return TurnStreamResponse(
        upstream, keepalive_seconds=settings.stream_keepalive_seconds, secret=token
    )
