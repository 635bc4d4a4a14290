"""Fake Nominatim, Open-Meteo and JokeAPI on loopback, for get_weather and get_joke.

One app serves all three under path prefixes, so one port stands in for the three public hosts:
`/nominatim` (NOMINATIM_URL), `/open-meteo` (OPEN_METEO_URL), `/jokeapi` (JOKE_API_URL).
Run it alone with `python -m tests.fakes.web_services --port 8103` (from backend/).

Nominatim `GET /search?q=` answers the places in PLACES and any other name with coordinates made
from the name; `Nowhere...` finds nothing, `Geocoder Down` is a 503, `Geocoder Slow` waits 3 s,
`Geocoder Garbled` is not JSON. Like the real one it refuses (403) a request without an
identifying User-Agent. `Weather Down`, `Weather Slow` and `Weather Gap` resolve to coordinates
at which Open-Meteo `GET /v1/forecast` fails, waits 3 s, or has no value for the current hour;
elsewhere the current UTC hour is 21.5 °C (70.7 °F) and every other hour is -40.
JokeAPI `GET /joke/Programming` answers as `joke_mode` says: `single` (default), `twopart`,
`error` (JokeAPI's own error body), `down` (500), `slow` (3 s), `garbled`.
`GET /_fake/requests` lists what was received; `DELETE` forgets it;
`PUT /_fake/joke_mode?mode=twopart` switches the joke mode.
"""

import asyncio
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from tests.fakes.server import serve_standalone

PLACES = {
    "paris": (48.8566, 2.3522),
    "san francisco": (37.7749, -122.4194),
    "tokyo": (35.6762, 139.6503),
}
# Coordinates at which the fake Open-Meteo misbehaves.
WEATHER_DOWN = (66.6, 6.6)
WEATHER_SLOW = (77.7, 7.7)
WEATHER_GAP = (88.8, 8.8)
_SPECIAL_PLACES = {
    "weather down": WEATHER_DOWN,
    "weather slow": WEATHER_SLOW,
    "weather gap": WEATHER_GAP,
}
CURRENT_CELSIUS = 21.5
OTHER_HOURS = -40.0
SLOW_SECONDS = 3.0

SINGLE_JOKE = {
    "error": False,
    "category": "Programming",
    "type": "single",
    "joke": "There are 10 kinds of people: those who know binary and those who don't.",
    "flags": {"nsfw": False, "religious": False, "political": False, "racist": False},
    "safe": True,
    "id": 1,
    "lang": "en",
}
TWOPART_JOKE = {
    "error": False,
    "category": "Programming",
    "type": "twopart",
    "setup": "Why do programmers prefer dark mode?",
    "delivery": "Because light attracts bugs.",
    "flags": {"nsfw": False, "religious": False, "political": False, "racist": False},
    "safe": True,
    "id": 2,
    "lang": "en",
}
JOKEAPI_ERROR = {
    "error": True,
    "internalError": False,
    "code": 106,
    "message": "No matching joke found",
    "causedBy": ["No jokes were found that match your provided filter(s)."],
    "additionalInfo": "",
    "timestamp": 1758064057000,
}
JOKE_MODES = ("single", "twopart", "error", "down", "slow", "garbled")


def coordinates_for(name: str) -> tuple[float, float]:
    key = " ".join(name.casefold().split())
    if key in PLACES:
        return PLACES[key]
    if key in _SPECIAL_PLACES:
        return _SPECIAL_PLACES[key]
    # Any other name is somewhere, and always the same place.
    digest = zlib.crc32(key.encode())
    return round((digest % 12000) / 100 - 60, 4), round((digest // 12000 % 36000) / 100 - 180, 4)


class FakeWebServices:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.joke_mode = "single"
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Mount("/nominatim", routes=[Route("/search", self.nominatim_search)]),
                Mount("/open-meteo", routes=[Route("/v1/forecast", self.open_meteo_forecast)]),
                Mount("/jokeapi", routes=[Route("/joke/Programming", self.jokeapi_joke)]),
                Route("/_fake/requests", self.list_requests, methods=["GET"]),
                Route("/_fake/requests", self.clear_requests, methods=["DELETE"]),
                Route("/_fake/joke_mode", self.set_joke_mode, methods=["PUT"]),
            ]
        )

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.joke_mode = "single"

    def settings_env(self, base_url: str) -> dict[str, str]:
        """The backend settings that point it at this fake."""
        return {
            "NOMINATIM_URL": f"{base_url}/nominatim",
            "OPEN_METEO_URL": f"{base_url}/open-meteo",
            "JOKE_API_URL": f"{base_url}/jokeapi",
        }

    def requests_to(self, service: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["service"] == service]

    def _record(self, service: str, request: Request) -> None:
        with self._lock:
            self.requests.append(
                {
                    "service": service,
                    "path": request.url.path,
                    "raw_query": request.scope["query_string"].decode("latin-1"),
                    "query": dict(request.query_params),
                    "user_agent": request.headers.get("user-agent", ""),
                    "at": time.monotonic(),
                }
            )

    async def list_requests(self, _: Request) -> Response:
        return JSONResponse(self.requests)

    async def clear_requests(self, _: Request) -> Response:
        with self._lock:
            self.requests.clear()
        return Response(status_code=204)

    async def set_joke_mode(self, request: Request) -> Response:
        mode = request.query_params.get("mode", "")
        if mode not in JOKE_MODES:
            return JSONResponse({"error": f"mode must be one of {JOKE_MODES}"}, status_code=400)
        self.joke_mode = mode
        return Response(status_code=204)

    async def nominatim_search(self, request: Request) -> Response:
        self._record("nominatim", request)
        agent = request.headers.get("user-agent", "")
        if not agent or agent.startswith(("python-httpx", "python-requests")):
            return PlainTextResponse("Access blocked: identify your application.", 403)
        query = request.query_params.get("q", "")
        key = " ".join(query.casefold().split())
        if key.startswith("nowhere"):
            return JSONResponse([])
        if key == "geocoder down":
            return PlainTextResponse("Service Unavailable", 503)
        if key == "geocoder slow":
            await asyncio.sleep(SLOW_SECONDS)
        if key == "geocoder garbled":
            return PlainTextResponse("<html>not json</html>")
        lat, lon = coordinates_for(query)
        hit = {
            "place_id": zlib.crc32(key.encode()),
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "lat": str(lat),
            "lon": str(lon),
            "display_name": query,
            "type": "city",
            "importance": 0.8,
        }
        return JSONResponse([hit])

    async def open_meteo_forecast(self, request: Request) -> Response:
        self._record("open-meteo", request)
        try:
            lat = float(request.query_params["latitude"])
            lon = float(request.query_params["longitude"])
        except (KeyError, ValueError):
            return JSONResponse({"error": True, "reason": "Invalid coordinates"}, status_code=400)
        if (lat, lon) == WEATHER_DOWN:
            return JSONResponse({"error": True, "reason": "Internal error"}, status_code=500)
        if (lat, lon) == WEATHER_SLOW:
            await asyncio.sleep(SLOW_SECONDS)
        fahrenheit = request.query_params.get("temperature_unit") == "fahrenheit"
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        midnight = now.replace(hour=0)
        times = [midnight + timedelta(hours=h) for h in range(24)]
        if (lat, lon) == WEATHER_GAP:
            times = [t for t in times if t != now]
        values = [CURRENT_CELSIUS if t == now else OTHER_HOURS for t in times]
        if fahrenheit:
            values = [round(v * 9 / 5 + 32, 1) for v in values]
        return JSONResponse(
            {
                "latitude": lat,
                "longitude": lon,
                "timezone": "GMT",
                "hourly_units": {"time": "iso8601", "temperature_2m": "°F" if fahrenheit else "°C"},
                "hourly": {
                    "time": [t.strftime("%Y-%m-%dT%H:%M") for t in times],
                    "temperature_2m": values,
                },
            }
        )

    async def jokeapi_joke(self, request: Request) -> Response:
        self._record("jokeapi", request)
        mode = self.joke_mode
        if mode == "twopart":
            return JSONResponse(TWOPART_JOKE)
        if mode == "error":
            return JSONResponse(JOKEAPI_ERROR, status_code=400)
        if mode == "down":
            return PlainTextResponse("Internal Server Error", 500)
        if mode == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if mode == "garbled":
            return PlainTextResponse("not json")
        return JSONResponse(SINGLE_JOKE)


def main() -> None:
    serve_standalone(lambda _: FakeWebServices().app, __doc__.splitlines()[0], 8103)


if __name__ == "__main__":
    main()
