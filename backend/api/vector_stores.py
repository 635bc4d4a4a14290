"""The vector store routes (docs/api.md, Vector stores and files): OpenAI's objects as JSON.

Each store and file is recorded for the owner that made it; another owner's id is a 404.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lib.deps import OpenAIDep, OwnerDep, ResourcesDep, SettingsDep
from lib.openai.ids import FILE_ID, VECTOR_STORE_ID, require_id
from lib.resources.ownership import Check
from lib.vector_stores import service as vector_stores

router = APIRouter(prefix="/api/vector_stores")


def _json(body: bytes, sub_response: Response | None = None) -> Response:
    response = Response(body, media_type="application/json")
    if sub_response is not None:
        # A Response returned as is skips FastAPI's merge: the owner's new session cookie, if
        # this request made one, is carried over by hand.
        response.raw_headers.extend(sub_response.headers.raw)
    return response


@router.post("/create_store")
async def create_store(
    request: Request,
    response: Response,
    client: OpenAIDep,
    owner: OwnerDep,
    resources: ResourcesDep,
) -> Response:
    body = await vector_stores.create_store(client, request)
    await resources.record(owner, "vector_store", [vector_stores.created_id(body)])
    return _json(body, response)


@router.get("/retrieve_store")
async def retrieve_store(
    client: OpenAIDep, owner: OwnerDep, resources: ResourcesDep, vector_store_id: str | None = None
) -> Response:
    store_id = require_id(vector_store_id, "vector_store_id", VECTOR_STORE_ID)
    await resources.require(owner, Check("vector_store_id", "vector_store", store_id))
    return _json(await vector_stores.retrieve_store(client, store_id))


@router.get("/list_files")
async def list_files(
    client: OpenAIDep, owner: OwnerDep, resources: ResourcesDep, vector_store_id: str | None = None
) -> Response:
    store_id = require_id(vector_store_id, "vector_store_id", VECTOR_STORE_ID)
    await resources.require(owner, Check("vector_store_id", "vector_store", store_id))
    return _json(await vector_stores.list_files(client, store_id))


@router.post("/upload_file")
async def upload_file(
    request: Request,
    response: Response,
    client: OpenAIDep,
    settings: SettingsDep,
    owner: OwnerDep,
    resources: ResourcesDep,
) -> Response:
    body = await vector_stores.upload_file(client, request, settings.max_upload_bytes)
    await resources.record(owner, "file", [vector_stores.created_id(body)])
    return _json(body, response)


@router.post("/add_file")
async def add_file(
    request: Request, client: OpenAIDep, owner: OwnerDep, resources: ResourcesDep
) -> Response:
    body = await vector_stores.read_add_file(request)
    store_id = require_id(body.vectorStoreId, "vectorStoreId", VECTOR_STORE_ID)
    file_id = require_id(body.fileId, "fileId", FILE_ID)
    await resources.require(
        owner,
        Check("vectorStoreId", "vector_store", store_id),
        Check("fileId", "file", file_id),
    )
    return _json(await vector_stores.add_file(client, store_id, file_id))
