"""Starting a run: check the request, store the user message, hand the turn to a Run."""

import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from openai import AsyncOpenAI

from lib.conversations.turns import TurnStore
from lib.errors import BadRequest, ServiceUnavailable
from lib.functions.registry import FunctionContext
from lib.google.connectors import google_access_token
from lib.openai.tools import ToolsState, build_tools
from lib.runs.hub import RunHub
from lib.runs.run import Run
from lib.settings import Settings

if TYPE_CHECKING:
    from api.turns import TurnBody

# Which worker runs a turn, in the stored message (a process restarted is another worker).
WORKER_ID = f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Runs:
    hub: RunHub
    store: TurnStore
    settings: Settings


def chosen_model(settings: Settings, model: str | None, reasoning: dict[str, Any] | None) -> str:
    """The model of the turn; nothing but the configured one is offered yet, and the server
    never swaps a model it was asked for."""
    if model is not None and model != settings.openai_model:
        raise BadRequest(f"model: {model!r} is not offered here; use {settings.openai_model!r}.")
    if reasoning is not None:
        raise BadRequest(f"reasoning: {settings.openai_model!r} takes no reasoning settings here.")
    return settings.openai_model


async def start_turn(
    runs: Runs, request: Request, owner: str, conversation_id: str, body: "TurnBody"
) -> Run:
    settings = runs.settings
    openai: AsyncOpenAI | None = request.app.state.openai
    if openai is None:
        raise ServiceUnavailable("OPENAI_API_KEY is not set")
    model = chosen_model(settings, body.model, body.reasoning)
    tools_state = body.toolsState or ToolsState()
    token = await google_access_token(request) if tools_state.googleIntegrationEnabled else None
    tools = build_tools(tools_state, token)
    start = await runs.store.start_turn(
        owner,
        conversation_id,
        input_items=body.input_items(),
        parent_id=body.parent(),
        regenerate=body.regenerate,
        model=model,
        worker_id=WORKER_ID,
    )
    state = request.app.state
    run = Run(
        start=start,
        owner=owner,
        openai=openai,
        tools=tools,
        secret=token,
        store=runs.store,
        context=FunctionContext(http=state.http, geocoder=state.geocoder, settings=settings),
        title_model=settings.title_model or settings.openai_model,
        share=state.shared_runs.publish if state.shared_runs else None,
        beat=state.shared_runs.beat if state.shared_runs else None,
    )
    runs.hub.start(run)
    return run
