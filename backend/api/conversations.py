"""The conversations the server keeps (docs/api.md, Conversations): HTTP in, HTTP out."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lib.container_files.service import content_disposition
from lib.conversations.transfer import (
    MAX_IMPORT_BYTES,
    ConversationExport,
    export_json,
    export_markdown,
)
from lib.deps import ConversationsDep, OwnerDep
from lib.server.request_body import read_json, validate_body

router = APIRouter(prefix="/api/conversations")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateBody(_Body):
    title: str | None = Field(default=None, max_length=200)


class UpdateBody(_Body):
    title: str | None = Field(default=None, max_length=200)
    current_message_id: str | None = Field(default=None, max_length=40)


@router.post("", status_code=201)
async def create_conversation(
    owner: OwnerDep, conversations: ConversationsDep, body: CreateBody | None = None
) -> dict[str, Any]:
    return await conversations.create(owner, body.title if body else None)


@router.get("")
async def list_conversations(
    owner: OwnerDep,
    conversations: ConversationsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    q: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await conversations.page(owner, limit=limit, cursor=cursor, query=q)


@router.post("/import", status_code=201)
async def import_conversation(
    request: Request, owner: OwnerDep, conversations: ConversationsDep
) -> dict[str, Any]:
    export = validate_body(ConversationExport, await read_json(request, MAX_IMPORT_BYTES))
    return await conversations.import_export(owner, export)


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: str, owner: OwnerDep, conversations: ConversationsDep
) -> dict[str, Any]:
    return await conversations.get(owner, conversation_id)


@router.patch("/{conversation_id}")
async def update_conversation(
    conversation_id: str, body: UpdateBody, owner: OwnerDep, conversations: ConversationsDep
) -> dict[str, Any]:
    return await conversations.update(
        owner, conversation_id, title=body.title, current_message_id=body.current_message_id
    )


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: str, owner: OwnerDep, conversations: ConversationsDep
) -> Response:
    await conversations.delete(owner, conversation_id)
    return Response(status_code=204)


@router.get("/{conversation_id}/export")
async def export_conversation(
    conversation_id: str,
    owner: OwnerDep,
    conversations: ConversationsDep,
    format: Literal["json", "markdown"] = "json",  # the query parameter's name
) -> Response:
    conversation, messages = await conversations.load(owner, conversation_id)
    name = conversation.title or "conversation"
    if format == "markdown":
        disposition = content_disposition("attachment", f"{name}.md", "conversation.md")
        return Response(
            export_markdown(conversation, messages),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    disposition = content_disposition("attachment", f"{name}.json", "conversation.json")
    return JSONResponse(
        export_json(conversation, messages), headers={"Content-Disposition": disposition}
    )
