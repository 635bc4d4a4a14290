"""GET /api/container_files/content: a code interpreter file, streamed (docs/api.md)."""

from fastapi import APIRouter

from lib.container_files.service import ContainerFileResponse, download_container_file
from lib.deps import OpenAIDep

router = APIRouter()


@router.get("/api/container_files/content", response_class=ContainerFileResponse)
async def container_file_content(
    client: OpenAIDep,
    file_id: str | None = None,
    container_id: str | None = None,
    filename: str | None = None,
    inline: str | None = None,
) -> ContainerFileResponse:
    return await download_container_file(
        client,
        file_id=file_id,
        container_id=container_id,
        filename=filename,
        inline=inline in ("1", "true"),
    )
