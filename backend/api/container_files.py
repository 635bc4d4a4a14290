"""GET /api/container_files/content: a code interpreter file, streamed (docs/api.md)."""

from fastapi import APIRouter

from lib.container_files.service import ContainerFileResponse, download_container_file
from lib.deps import OpenAIDep, OwnerDep, ResourcesDep
from lib.openai.ids import CONTAINER_FILE_ID, CONTAINER_ID, require_id
from lib.resources.ownership import Check

router = APIRouter()


@router.get("/api/container_files/content", response_class=ContainerFileResponse)
async def container_file_content(
    client: OpenAIDep,
    owner: OwnerDep,
    resources: ResourcesDep,
    file_id: str | None = None,
    container_id: str | None = None,
    filename: str | None = None,
    inline: str | None = None,
) -> ContainerFileResponse:
    file_id = require_id(file_id, "file_id", CONTAINER_FILE_ID)
    # Only what a turn of this owner's made: the container, or the file when no container is named.
    if container_id is not None and container_id.strip():
        container_id = require_id(container_id, "container_id", CONTAINER_ID)
        await resources.require(owner, Check("container_id", "container", container_id))
    else:
        container_id = None
        await resources.require(owner, Check("file_id", "container_file", file_id))
    return await download_container_file(
        client,
        file_id=file_id,
        container_id=container_id,
        filename=filename,
        inline=inline in ("1", "true"),
    )
