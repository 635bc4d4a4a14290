"""The function routes against a real backend and the fake Nominatim, Open-Meteo and JokeAPI."""

import uuid

import httpx
import pytest

from config.tools_list import function_tools
from tests.fakes.web_services import CURRENT_CELSIUS, PLACES, FakeWebServices

WEATHER = "/api/functions/get_weather"
JOKE = "/api/functions/get_joke"


def new_place() -> str:
    """A place no earlier test asked for, so the backend's geocoding cache has not seen it."""
    return f"Testville {uuid.uuid4().hex[:8]}"


# GET /api/functions


def test_function_schemas_are_those_offered_to_the_model(client: httpx.Client) -> None:
    response = client.get("/api/functions")
    assert response.status_code == 200
    offered = function_tools()
    assert response.json() == {
        "functions": [
            {"name": t["name"], "description": t["description"], "parameters": t["parameters"]}
            for t in offered
        ]
    }
    names = [f["name"] for f in response.json()["functions"]]
    assert names == ["get_weather", "get_joke"]


# get_weather


def test_weather_is_the_temperature_at_the_current_utc_hour(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    response = client.get(WEATHER, params={"location": "Paris"})
    assert response.status_code == 200
    assert response.json() == {"temperature": CURRENT_CELSIUS}
    forecast = fake_web_services.requests_to("open-meteo")[-1]["query"]
    lat, lon = PLACES["paris"]
    assert (float(forecast["latitude"]), float(forecast["longitude"])) == (lat, lon)
    assert forecast["hourly"] == "temperature_2m"
    assert forecast["temperature_unit"] == "celsius"


def test_weather_in_fahrenheit(client: httpx.Client, fake_web_services: FakeWebServices) -> None:
    response = client.get(WEATHER, params={"location": "Tokyo", "unit": "fahrenheit"})
    assert response.json() == {"temperature": round(CURRENT_CELSIUS * 9 / 5 + 32, 1)}
    assert fake_web_services.requests_to("open-meteo")[-1]["query"]["temperature_unit"] == (
        "fahrenheit"
    )


@pytest.mark.parametrize("unit", ["celsius", "Celsius", ""])
def test_celsius_is_the_default_and_accepted_spelled_either_way(
    client: httpx.Client, fake_web_services: FakeWebServices, unit: str
) -> None:
    response = client.get(WEATHER, params={"location": "San Francisco", "unit": unit})
    assert response.json() == {"temperature": CURRENT_CELSIUS}


@pytest.mark.parametrize("unit", ["kelvin", "C", "celsius&x=1"])
def test_another_unit_is_400(
    client: httpx.Client, fake_web_services: FakeWebServices, unit: str
) -> None:
    response = client.get(WEATHER, params={"location": "Paris", "unit": unit})
    assert response.status_code == 400
    assert "unit" in response.json()["error"]
    assert fake_web_services.requests == []


@pytest.mark.parametrize("query", ["", "?location=", "?location=%20%20"])
def test_missing_location_is_400(
    client: httpx.Client, fake_web_services: FakeWebServices, query: str
) -> None:
    response = client.get(WEATHER + query)
    assert response.status_code == 400
    assert response.json() == {"error": "Missing location"}


def test_overlong_location_is_400(client: httpx.Client, fake_web_services: FakeWebServices) -> None:
    response = client.get(WEATHER, params={"location": "x" * 201})
    assert response.status_code == 400
    assert fake_web_services.requests == []


def test_unknown_location_is_404_invalid_location(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    response = client.get(WEATHER, params={"location": f"Nowhere {uuid.uuid4().hex}"})
    assert response.status_code == 404
    assert response.json() == {"error": "Invalid location"}
    assert fake_web_services.requests_to("open-meteo") == []


@pytest.mark.parametrize(
    "location",
    ["Saint-Étienne & Co?unit=kelvin#x", "a+b=c&format=xml", "東京都 渋谷区", "50% off/../x"],
)
def test_location_is_url_encoded_not_concatenated(
    client: httpx.Client, fake_web_services: FakeWebServices, location: str
) -> None:
    response = client.get(WEATHER, params={"location": location})
    assert response.status_code == 200
    search = fake_web_services.requests_to("nominatim")[-1]
    assert search["query"]["q"] == location
    assert search["query"]["format"] == "jsonv2"
    assert search["path"] == "/nominatim/search"


def test_nominatim_requests_identify_the_application(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    client.get(WEATHER, params={"location": new_place()})
    agent = fake_web_services.requests_to("nominatim")[-1]["user_agent"]
    assert agent.startswith("responses-chat-backend/")


def test_a_place_is_geocoded_once_then_served_from_the_cache(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    place = new_place()
    first = client.get(WEATHER, params={"location": place})
    second = client.get(WEATHER, params={"location": f"  {place.upper()} "})
    assert first.json() == second.json() == {"temperature": CURRENT_CELSIUS}
    assert len(fake_web_services.requests_to("nominatim")) == 1
    assert len(fake_web_services.requests_to("open-meteo")) == 2


def test_an_unknown_place_is_remembered_too(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    place = f"Nowhere {uuid.uuid4().hex}"
    assert client.get(WEATHER, params={"location": place}).status_code == 404
    assert client.get(WEATHER, params={"location": place}).status_code == 404
    assert len(fake_web_services.requests_to("nominatim")) == 1


@pytest.mark.parametrize(
    ("location", "status", "words"),
    [
        ("Geocoder Down", 502, "Nominatim"),
        ("Geocoder Garbled", 502, "Nominatim"),
        ("Geocoder Slow", 504, "in time"),
        ("Weather Down", 502, "Open-Meteo"),
        ("Weather Slow", 504, "in time"),
        ("Weather Gap", 502, "Open-Meteo"),
    ],
)
def test_service_failures_are_honest_502_or_504(
    client: httpx.Client,
    fake_web_services: FakeWebServices,
    location: str,
    status: int,
    words: str,
) -> None:
    response = client.get(WEATHER, params={"location": location})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert words in response.json()["error"]


def test_a_failed_lookup_is_not_cached(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    client.get(WEATHER, params={"location": "Geocoder Down"})
    client.get(WEATHER, params={"location": "Geocoder Down"})
    assert len(fake_web_services.requests_to("nominatim")) == 2


def test_geocoding_requests_are_spaced_by_the_minimum_interval(
    tight_client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    tight_client.get(WEATHER, params={"location": new_place()})
    tight_client.get(WEATHER, params={"location": new_place()})
    first, second = fake_web_services.requests_to("nominatim")
    assert second["at"] - first["at"] >= 0.29


def test_unreachable_service_is_502(
    tight_client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    weather = tight_client.get(WEATHER, params={"location": "Paris"})
    assert weather.status_code == 502
    assert "Could not reach the weather service" in weather.json()["error"]


def test_unreachable_joke_service_is_500_could_not_fetch_joke(
    tight_client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    joke = tight_client.get(JOKE)
    assert (joke.status_code, joke.json()) == (500, {"error": "Could not fetch joke"})


# get_joke


def test_single_joke(client: httpx.Client, fake_web_services: FakeWebServices) -> None:
    response = client.get(JOKE)
    assert response.status_code == 200
    assert response.json() == {
        "joke": "There are 10 kinds of people: those who know binary and those who don't."
    }
    request = fake_web_services.requests_to("jokeapi")[-1]
    assert request["path"] == "/jokeapi/joke/Programming"
    assert request["raw_query"] == "safe-mode"


def test_two_part_joke_is_joined_setup_dash_delivery(
    client: httpx.Client, fake_web_services: FakeWebServices
) -> None:
    fake_web_services.joke_mode = "twopart"
    response = client.get(JOKE)
    assert response.json() == {
        "joke": "Why do programmers prefer dark mode? - Because light attracts bugs."
    }


@pytest.mark.parametrize("mode", ["error", "down", "slow", "garbled"])
def test_joke_failure_is_500_could_not_fetch_joke(
    client: httpx.Client, fake_web_services: FakeWebServices, mode: str
) -> None:
    fake_web_services.joke_mode = mode
    response = client.get(JOKE)
    assert response.status_code == 500
    assert response.json() == {"error": "Could not fetch joke"}


def test_a_function_that_is_not_registered_is_a_404(client: httpx.Client) -> None:
    response = client.get("/api/functions/no_such_function")
    assert response.status_code == 404
    assert response.json() == {"error": "There is no function named 'no_such_function'."}
