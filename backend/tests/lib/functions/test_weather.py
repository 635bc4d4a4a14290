"""The geocoding cache: bounded, expiring, forgiving about case and spacing."""

import time

import pytest

from lib.functions import weather
from lib.functions.weather import GeocodeCache


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
