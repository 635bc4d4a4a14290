"""The functions the model may call (docs/api.md, Functions).

In the stateless turn the browser runs them through these routes; in a conversation kept on the
server the turn runs them itself. Each function is one file in backend/functions/.
"""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from config.tools_list import function_tools
from lib.deps import FunctionContextDep, GeocoderDep, HttpClientDep, SettingsDep
from lib.errors import BadRequest, NotFound, describe_validation_errors
from lib.functions.jokes import fetch_joke
from lib.functions.registry import REGISTRY
from lib.functions.weather import current_temperature

router = APIRouter(prefix="/api/functions")


@router.get("")
async def list_functions() -> dict[str, list[dict[str, Any]]]:
    """The schemas the turn offers the model, so the browser's tools panel shows the same."""
    return {
        "functions": [
            {key: tool[key] for key in ("name", "description", "parameters")}
            for tool in function_tools()
        ]
    }


# The two original functions keep the original routes' exact answers (a missing location is
# "Missing location", a missing unit is celsius), which the generic route below does not give.
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


@router.get("/{name}")
async def call_function(name: str, request: Request, context: FunctionContextDep) -> Any:
    """Any other registered function, its arguments as query parameters; errors as for the two
    above (a 4xx naming the argument), since here a person or the browser reads them."""
    function = REGISTRY.get(name)
    if function is None:
        raise NotFound(f"There is no function named {name!r}.")
    try:
        arguments = REGISTRY.parse_arguments(function, dict(request.query_params))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        raise BadRequest(describe_validation_errors(errors)) from None
    return await function(arguments, context)
