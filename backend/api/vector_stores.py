"""The vector store routes (docs/api.md, Vector stores and files): OpenAI's objects as JSON."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lib.deps import OpenAIDep, SettingsDep
from lib.vector_stores import service as vector_stores

router = APIRouter(prefix="/api/vector_stores")


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.post("/create_store")
async def create_store(request: Request, client: OpenAIDep) -> Response:
    return _json(await vector_stores.create_store(client, request))


@router.get("/retrieve_store")
async def retrieve_store(client: OpenAIDep, vector_store_id: str | None = None) -> Response:
    return _json(await vector_stores.retrieve_store(client, vector_store_id))


@router.get("/list_files")
async def list_files(client: OpenAIDep, vector_store_id: str | None = None) -> Response:
    return _json(await vector_stores.list_files(client, vector_store_id))


@router.post("/upload_file")
async def upload_file(request: Request, client: OpenAIDep, settings: SettingsDep) -> Response:
    return _json(await vector_stores.upload_file(client, request, settings.max_upload_bytes))


@router.post("/add_file")
async def add_file(request: Request, client: OpenAIDep) -> Response:
    return _json(await vector_stores.add_file(client, request))
