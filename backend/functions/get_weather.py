"""get_weather: the temperature now at a place (Nominatim, then Open-Meteo)."""

from typing import Annotated, Literal

from pydantic import Field

from lib.functions.registry import FunctionContext, server_function
from lib.functions.weather import current_temperature


@server_function
async def get_weather(
    location: Annotated[str, Field(description="Location to get weather for")],
    unit: Annotated[Literal["celsius", "fahrenheit"], Field(description="Unit to get weather in")],
    context: FunctionContext,
) -> dict[str, float]:
    """Get the weather for a given location"""
    temperature = await current_temperature(
        context.http, context.geocoder, context.settings.open_meteo_url, location, unit
    )
    return {"temperature": temperature}
