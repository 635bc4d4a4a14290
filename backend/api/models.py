"""GET /api/models: the models a turn may ask for, with their reasoning efforts."""

from typing import Any

from fastapi import APIRouter

from lib.deps import ModelsDep

router = APIRouter()


@router.get("/api/models")
async def list_models(models: ModelsDep) -> dict[str, Any]:
    return models.listing()
