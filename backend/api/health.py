"""GET /api/health: for load balancers and for people checking a deployment."""

from typing import Any

from fastapi import APIRouter

from lib.deps import SettingsDep

router = APIRouter()


@router.get("/api/health")
async def health(settings: SettingsDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "openai_configured": settings.openai_configured,
        "model": settings.openai_model,
    }
