"""The geocoding cache: bounded, expiring, forgiving about case and spacing."""

import asyncio
import time

import pytest

from lib.errors import ServiceUnavailable
from lib.functions import weather
from lib.functions.weather import GeocodeCache, Geocoder
from lib.functions.web_services import create_http_client
from lib.settings import Settings
from tests.fakes.server import ServerThread
from tests.fakes.web_services import FakeWebServices


def test_cache_finds_a_place_whatever_its_case_and_spacing() -> None:
    cache = GeocodeCache()
    cache.put("San  Francisco", (37.7, -122.4))
    assert cache.get(" san francisco ") == (True, (37.7, -122.4))


def test_cache_remembers_unknown_places_as_none() -> None:
    cache = GeocodeCache()
    cache.put("Nowhere", None)
    assert cache.get("nowhere") == (True, None)
    assert cache.get("elsewhere") == (False, None)


def test_cache_drops_the_least_recently_used_place_when_full() -> None:
    cache = GeocodeCache(max_entries=2)
    cache.put("a", (1.0, 1.0))
    cache.put("b", (2.0, 2.0))
    cache.get("a")
    cache.put("c", (3.0, 3.0))
    assert len(cache) == 2
    assert cache.get("b") == (False, None)
    assert cache.get("a")[0] and cache.get("c")[0]


def test_cache_entries_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = GeocodeCache()
    cache.put("found", (1.0, 1.0))
    cache.put("missing", None)
    now[0] += weather.NOT_FOUND_TTL_SECONDS + 1
    assert cache.get("missing") == (False, None)
    assert cache.get("found") == (True, (1.0, 1.0))
    now[0] += weather.FOUND_TTL_SECONDS
    assert cache.get("found") == (False, None)
    assert len(cache) == 0


async def test_lookups_queue_at_most_a_few_deep_and_then_say_the_service_is_busy(
    fake_web_services_server: tuple[FakeWebServices, ServerThread],
) -> None:
    _, server = fake_web_services_server
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    async with create_http_client(settings) as http:
        # One request a second, as Nominatim asks: five unknown places at once cannot all wait.
        geocoder = Geocoder(http, f"{server.base_url}/nominatim", 1.0, GeocodeCache())
        places = [f"Queue test {i} {time.time()}" for i in range(weather.MAX_WAITING_LOOKUPS + 2)]
        results = await asyncio.gather(
            *(geocoder.locate(place) for place in places), return_exceptions=True
        )
    busy = [r for r in results if isinstance(r, ServiceUnavailable)]
    assert busy, results
    assert all("busy" in error.message for error in busy)
    assert not [r for r in results if isinstance(r, Exception) and r not in busy]
