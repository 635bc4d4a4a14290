"""GET /metrics: Prometheus text for the scraper (METRICS_TOKEN guards it: lib/server/guards.py)."""

from fastapi import APIRouter
from fastapi.responses import Response

from lib.server.metrics import render

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    body, content_type = render()
    return Response(body, media_type=content_type)
