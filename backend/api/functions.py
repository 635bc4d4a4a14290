"""The functions the model may call, run by the browser (docs/api.md, Functions).

Adding a function is one schema in config/tools_list.py and one handler here.
"""

from typing import Any

from fastapi import APIRouter

from config.tools_list import FUNCTIONS, function_tool
from lib.deps import GeocoderDep, HttpClientDep, SettingsDep
from lib.functions.jokes import fetch_joke
from lib.functions.weather import current_temperature

router = APIRouter(prefix="/api/functions")


@router.get("")
async def list_functions() -> dict[str, list[dict[str, Any]]]:
    """The schemas the turn offers the model, so the browser's tools panel shows the same."""
    tools = [function_tool(spec) for spec in FUNCTIONS]
    return {
        "functions": [
            {key: tool[key] for key in ("name", "description", "parameters")} for tool in tools
        ]
    }


@router.get("/get_weather")
async def get_weather(
    http: HttpClientDep,
    geocoder: GeocoderDep,
    settings: SettingsDep,
    location: str | None = None,
    unit: str | None = None,
) -> dict[str, float]:
    temperature = await current_temperature(http, geocoder, settings.open_meteo_url, location, unit)
    return {"temperature": temperature}


@router.get("/get_joke")
async def get_joke(http: HttpClientDep, settings: SettingsDep) -> dict[str, str]:
    return {"joke": await fetch_joke(http, settings.joke_api_url)}
