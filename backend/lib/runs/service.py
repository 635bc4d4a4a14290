"""Starting a run: check the request, store the user message, hand the turn to a Run."""

import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request
from openai import AsyncOpenAI

from lib.conversations.turns import TurnStore
from lib.errors import ServiceUnavailable
from lib.functions.registry import FunctionContext
from lib.google.connectors import google_access_token
from lib.openai.tools import ToolsState, build_tools
from lib.resources.ownership import Resources, input_file_checks, tools_checks
from lib.runs.hub import RunHub
from lib.runs.run import Run
from lib.settings import Settings
from lib.usage.budget import Budget
from lib.usage.repository import Usage
from lib.usage.service import count_in_metrics

if TYPE_CHECKING:
    from api.turns import TurnBody

# Which worker runs a turn, in the stored message (a process restarted is another worker).
WORKER_ID = f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Runs:
    hub: RunHub
    store: TurnStore
    settings: Settings


async def start_turn(
    runs: Runs, request: Request, owner: str, conversation_id: str, body: "TurnBody"
) -> Run:
    settings = runs.settings
    openai: AsyncOpenAI | None = request.app.state.openai
    if openai is None:
        raise ServiceUnavailable("OPENAI_API_KEY is not set")
    choice = request.app.state.models.choose(body.model, body.reasoning)
    budget: Budget = request.app.state.budget
    await budget.check(owner)

    async def after(usage: Usage | None) -> None:
        if usage is not None:
            count_in_metrics(choice.id, usage)
            await budget.spend(owner, usage.get("total_tokens", 0))

    tools_state = body.toolsState or ToolsState()
    input_items = body.input_items()
    resources: Resources = request.app.state.resources
    await resources.require(
        owner, *tools_checks(tools_state), *input_file_checks(input_items or [], "input")
    )
    token = await google_access_token(request) if tools_state.googleIntegrationEnabled else None
    tools = build_tools(tools_state, token)
    start = await runs.store.start_turn(
        owner,
        conversation_id,
        input_items=input_items,
        parent_id=body.parent(),
        regenerate=body.regenerate,
        model=choice.id,
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
        params=choice.upstream_params(settings.openai_store),
        after=after,
        record=lambda mentions: resources.record_mentions(owner, mentions),
        price=lambda usage: request.app.state.models.cost_usd(choice.id, usage),
        share=state.shared_runs.publish_soon if state.shared_runs else None,
        beat=state.shared_runs.beat if state.shared_runs else None,
    )
    runs.hub.start(run)
    return run
