"""get_weather: Nominatim geocoding (cached, throttled), then Open-Meteo (docs/api.md)."""

import asyncio
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Literal

import httpx2

from lib.errors import BadRequest, NotFound, ServiceUnavailable, UpstreamFailed
from lib.functions.web_services import get_json
from lib.settings import Settings

Unit = Literal["celsius", "fahrenheit"]
Coordinates = tuple[float, float]

MAX_LOCATION_CHARS = 200
# Places do not move: a day is safe. An unknown place is kept for less, in case it was a typo
# of a place Nominatim learns later, and so that the cache never fills with misses for long.
FOUND_TTL_SECONDS = 24 * 3600.0
NOT_FOUND_TTL_SECONDS = 3600.0
CACHE_ENTRIES = 1024
# Nominatim takes one request a second from us: one client's eight unknown places used to
# delay every other lookup by eight seconds. A lookup waits at most this long for its turn,
# and at most this many wait at once; past either, a 503 that says why.
MAX_WAIT_SECONDS = 3.0
MAX_WAITING_LOOKUPS = 4
GEOCODER_BUSY = "The geocoding service is busy with other lookups; try again in a few seconds."


def parse_unit(unit: str | None) -> Unit:
    value = (unit or "").strip().lower()
    if value in ("", "celsius"):
        return "celsius"
    if value == "fahrenheit":
        return "fahrenheit"
    raise BadRequest("unit must be celsius or fahrenheit.")


def parse_location(location: str | None) -> str:
    if location is None or not location.strip():
        raise BadRequest("Missing location")
    if len(location) > MAX_LOCATION_CHARS:
        raise BadRequest(f"location: at most {MAX_LOCATION_CHARS} characters.")
    return location.strip()


class GeocodeCache:
    """A bounded in-memory cache with expiry; the least recently used entry goes first."""

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Coordinates | None]] = OrderedDict()

    @staticmethod
    def key(location: str) -> str:
        return " ".join(location.casefold().split())

    def get(self, location: str) -> tuple[bool, Coordinates | None]:
        """(found in the cache, coordinates or None for a place known not to exist)."""
        key = self.key(location)
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires_at, value = entry
        if expires_at <= time.monotonic():
            del self._entries[key]
            return False, None
        self._entries.move_to_end(key)
        return True, value

    def put(self, location: str, value: Coordinates | None) -> None:
        ttl = FOUND_TTL_SECONDS if value is not None else NOT_FOUND_TTL_SECONDS
        key = self.key(location)
        self._entries[key] = (time.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Geocoder:
    """Nominatim search, first hit, with the cache in front and at most one request per interval."""

    def __init__(
        self, http: httpx2.AsyncClient, base_url: str, min_interval: float, cache: GeocodeCache
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/search"
        self._min_interval = min_interval
        self._cache = cache
        # One lookup at a time: it spaces requests out as the usage policy asks, and a second
        # caller for the same place finds it cached instead of asking again.
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._last_request = float("-inf")

    @classmethod
    def from_settings(cls, http: httpx2.AsyncClient, settings: Settings) -> "Geocoder":
        return cls(http, settings.nominatim_url, settings.nominatim_min_interval, GeocodeCache())

    async def locate(self, location: str) -> Coordinates | None:
        cached, value = self._cache.get(location)
        if cached:
            return value
        if self._waiting >= MAX_WAITING_LOOKUPS:
            raise ServiceUnavailable(GEOCODER_BUSY)
        self._waiting += 1
        try:
            async with asyncio.timeout(MAX_WAIT_SECONDS):
                await self._lock.acquire()
        except TimeoutError:
            raise ServiceUnavailable(GEOCODER_BUSY) from None
        finally:
            self._waiting -= 1
        try:
            return await self._look_up(location)
        finally:
            self._lock.release()

    async def _look_up(self, location: str) -> Coordinates | None:
        """Under the lock: the cache again (another caller may have asked), then Nominatim."""
        cached, value = self._cache.get(location)
        if cached:
            return value
        wait = self._last_request + self._min_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            hits = await get_json(
                self._http,
                self._url,
                {"q": location, "format": "jsonv2", "limit": 1},
                "geocoding service (Nominatim)",
            )
        finally:
            self._last_request = time.monotonic()
        value = _first_hit(hits)
        self._cache.put(location, value)
        return value


def _first_hit(hits: Any) -> Coordinates | None:
    if not isinstance(hits, list):
        raise UpstreamFailed("The geocoding service (Nominatim) sent an unexpected answer.")
    if not hits:
        return None
    try:
        return float(hits[0]["lat"]), float(hits[0]["lon"])
    except (KeyError, TypeError, ValueError):
        raise UpstreamFailed(
            "The geocoding service (Nominatim) sent a place without coordinates."
        ) from None


async def current_temperature(
    http: httpx2.AsyncClient,
    geocoder: Geocoder,
    open_meteo_url: str,
    location: str | None,
    unit: str | None,
) -> float:
    """The temperature at `location` for the current UTC hour, in `unit`."""
    place = parse_location(location)
    temperature_unit = parse_unit(unit)
    coordinates = await geocoder.locate(place)
    if coordinates is None:
        raise NotFound("Invalid location")
    latitude, longitude = coordinates
    forecast = await get_json(
        http,
        open_meteo_url.rstrip("/") + "/v1/forecast",
        {
            "latitude": latitude,
            "longitude": longitude,
            "hourly": "temperature_2m",
            "temperature_unit": temperature_unit,
            # Hour stamps in UTC, matched against the current UTC hour below.
            "timezone": "GMT",
            "forecast_days": 1,
        },
        "weather service (Open-Meteo)",
    )
    return _temperature_now(forecast)


def _temperature_now(forecast: Any) -> float:
    hour = datetime.now(UTC).strftime("%Y-%m-%dT%H:00")
    try:
        hourly = forecast["hourly"]
        value = hourly["temperature_2m"][hourly["time"].index(hour)]
    except (KeyError, TypeError, ValueError, IndexError):
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UpstreamFailed("The weather service (Open-Meteo) has no temperature for this hour.")
    return value
