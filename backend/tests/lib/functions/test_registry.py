"""The function registry: schemas from types and docstrings, and calls that never raise."""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx2
import pytest
from pydantic import Field

from config.tools_list import function_tools
from lib.functions import registry
from lib.functions.registry import (
    FunctionContext,
    FunctionDefinitionError,
    FunctionRegistry,
)
from lib.functions.weather import Geocoder
from lib.settings import Settings
from tests.lib.openai.test_tools import JOKE, WEATHER

README = Path(__file__).resolve().parents[4] / "README.md"


@pytest.fixture
async def context() -> AsyncIterator[FunctionContext]:
    settings = Settings(_env_file=None, function_timeout_seconds=0.2)  # type: ignore[call-arg]
    async with httpx2.AsyncClient() as http:
        yield FunctionContext(http, Geocoder.from_settings(http, settings), settings)


def test_the_shipped_functions_are_offered_as_the_contract_spells_them() -> None:
    assert function_tools() == [WEATHER, JOKE]


def test_the_schema_comes_from_the_types_and_the_description_from_the_docstring() -> None:
    functions = FunctionRegistry()

    @functions.register
    async def book(
        city: Annotated[str, Field(description="Where")],
        nights: int,
        kind: Literal["hotel", "hostel"],
        context: FunctionContext,
    ) -> dict[str, str]:
        """Book a room"""
        return {}

    (tool,) = functions.tools()
    assert tool == {
        "type": "function",
        "name": "book",
        "description": "Book a room",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "Where"},
                "nights": {"type": "integer"},
                "kind": {"type": "string", "enum": ["hotel", "hostel"]},
            },
            "required": ["city", "nights", "kind"],
            "additionalProperties": False,
        },
        "strict": True,
    }


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def plain(x: int) -> int:\n    'Doc'\n    return x", "async def"),
        ("async def nodoc(x: int) -> int:\n    return x", "docstring"),
        ("async def untyped(x) -> int:\n    'Doc'\n    return 1", "needs a type"),
        ("async def optional(x: int = 1) -> int:\n    'Doc'\n    return x", "default"),
    ],
)
def test_a_function_the_model_could_not_be_offered_is_refused_when_registered(
    source: str, problem: str
) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102  # our own literal sources above
    function = next(value for key, value in namespace.items() if key != "__builtins__")
    with pytest.raises(FunctionDefinitionError, match=problem):
        FunctionRegistry().register(function)


async def test_a_call_gets_validated_arguments_and_the_context(context: FunctionContext) -> None:
    functions = FunctionRegistry()

    @functions.register
    async def add(a: int, b: int, context: FunctionContext) -> dict[str, Any]:
        """Add"""
        return {"sum": a + b, "timeout": context.settings.function_timeout_seconds}

    assert await functions.call("add", '{"a": 2, "b": 3}', context) == {"sum": 5, "timeout": 0.2}


async def test_failures_become_error_objects_the_model_can_read(
    context: FunctionContext,
) -> None:
    functions = FunctionRegistry()

    @functions.register
    async def explode() -> dict[str, str]:
        """Raise"""
        raise RuntimeError("secret internals")

    @functions.register
    async def hang() -> dict[str, str]:
        """Never answer"""
        await asyncio.sleep(3600)
        return {}

    @functions.register
    async def opaque() -> object:
        """Not JSON"""
        return object()

    @functions.register
    async def count(n: int) -> int:
        """A bare value"""
        return n

    raised = await functions.call("explode", "{}", context)
    assert raised == {"error": "explode failed (RuntimeError)."}
    assert await functions.call("hang", "{}", context) == {
        "error": "hang did not finish within 0.2 seconds."
    }
    assert await functions.call("opaque", "{}", context) == {
        "error": "opaque returned something that is not JSON."
    }
    assert await functions.call("count", '{"n": 4}', context) == {"result": 4}
    assert "not valid JSON" in (await functions.call("count", "{4", context))["error"]
    wrong = await functions.call("count", '{"n": "four", "extra": 1}', context)
    assert wrong["error"].startswith("Invalid arguments for count: n:")
    assert "extra" in wrong["error"]
    assert await functions.call("nobody", "{}", context) == {
        "error": "There is no function named 'nobody'."
    }


async def test_the_readme_example_registers_and_runs_as_printed(
    context: FunctionContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = README.read_text().split("### Add your own function", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    example = match.group(1)
    functions = FunctionRegistry()
    monkeypatch.setattr(registry, "server_function", functions.register)
    exec(compile(example, "README.md example", "exec"), {})  # noqa: S102  # our README's code

    (tool,) = functions.tools()
    assert tool["name"] == "roll_dice"
    assert tool["description"] == "Roll dice and give their total"
    assert tool["parameters"]["required"] == ["count", "sides"]
    result = await functions.call("roll_dice", '{"count": 3, "sides": 6}', context)
    assert 3 <= result["total"] <= 18
