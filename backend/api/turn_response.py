"""POST /api/turn_response: one streamed chat turn (docs/api.md)."""

import logging
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lib.deps import ModelsDep, OpenAIDep, SettingsDep
from lib.google.connectors import google_access_token
from lib.openai.tools import ToolsState, build_tools
from lib.openai.turn import TurnStreamResponse, open_turn
from lib.owners.owner import existing_owner, request_owner
from lib.resources.mentions import Mentions
from lib.resources.ownership import Resources, input_file_checks, tools_checks
from lib.server.request_body import read_json, validate_body
from lib.sessions.sessions import Sessions
from lib.usage.budget import Budget
from lib.usage.repository import Usage
from lib.usage.service import record_stateless

logger = logging.getLogger(__name__)

router = APIRouter()


# A conversation longer than this is better kept on the server (/api/conversations).
MAX_MESSAGES = 1_000


class TurnRequest(BaseModel):
    # The original client also sends a top-level googleIntegrationEnabled; toolsState has it too.
    model_config = ConfigDict(extra="ignore")

    messages: list[dict[str, Any]] = Field(max_length=MAX_MESSAGES)
    toolsState: ToolsState | None = None

    @field_validator("messages")
    @classmethod
    def _items_are_items(cls, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for index, item in enumerate(messages):
            if "role" not in item and "type" not in item:
                raise ValueError(f"item {index} has neither a `role` nor a `type`")
        return messages


@router.post("/api/turn_response", response_class=TurnStreamResponse)
async def turn_response(
    request: Request,
    response: Response,
    settings: SettingsDep,
    client: OpenAIDep,
    models: ModelsDep,
) -> TurnStreamResponse:
    # Read by hand, so the body's objects are counted before it is parsed (request_body.py).
    body = validate_body(TurnRequest, await read_json(request, settings.max_turn_bytes))
    budget: Budget = request.app.state.budget
    sessions: Sessions = request.app.state.sessions
    resources: Resources = request.app.state.resources
    tools_state = body.toolsState or ToolsState()
    checks = tools_checks(tools_state) + input_file_checks(body.messages, "messages")
    # A turn that names files or stores, or may make a container, needs an owner to check them
    # against or to record it for; the others make no session.
    owner: str | None = None
    if checks or tools_state.codeInterpreterEnabled:
        owner = await request_owner(request, response, sessions)
    elif budget.limit is not None:
        owner = await existing_owner(request, sessions)
    if owner is not None:
        await budget.check(owner)
        await resources.require(owner, *checks)
    token = await google_access_token(request) if tools_state.googleIntegrationEnabled else None
    upstream = await open_turn(
        client,
        model=settings.openai_model,
        messages=body.messages,
        tools=build_tools(tools_state, token),
        today=date.today(),
        secret=token,
        params=models.choose(None, None).upstream_params(settings.openai_store),
    )
    model = settings.openai_model

    async def count_usage(usage: Usage) -> None:
        try:
            who = owner or await existing_owner(request, sessions)
            cost = models.cost_usd(model, usage)
            await record_stateless(request.app.state.db, budget, who, model, usage, cost)
        except Exception as exc:
            logger.warning("usage of a stateless turn not recorded (%s)", type(exc).__name__)

    async def record_mentions(mentions: Mentions) -> None:
        # Without an owner (no code interpreter asked for) nobody could download them anyway.
        if owner is not None:
            await resources.record_mentions(owner, mentions)

    stream = TurnStreamResponse(
        upstream,
        keepalive_seconds=settings.stream_keepalive_seconds,
        secret=token,
        on_usage=count_usage,
        on_mentions=record_mentions,
    )
    # The session made for this turn, if any, goes with its answer.
    stream.raw_headers.extend(response.headers.raw)
    return stream
