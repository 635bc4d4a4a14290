"""Functions the model may call, each one async Python function registered once.

`@server_function` reads the function itself: the JSON schema of its parameters comes from their
types (through pydantic), the description from its docstring. Every parameter is required and
nothing else is allowed, because the tools are offered with `strict: true` (docs/api.md,
toolsState -> tools). A parameter typed `FunctionContext` is not offered to the model: the
server passes the shared HTTP client, the geocoder and the settings there.

`call_function` runs one for a turn kept on the server. Whatever the function does, the turn
goes on: a raise, a timeout or a result that is not JSON comes back as `{"error": "..."}`,
which the model reads like any other output.
"""

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

import httpx2
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from lib.errors import ApiError
from lib.functions.weather import Geocoder
from lib.settings import Settings

logger = logging.getLogger(__name__)

AsyncFunction = TypeVar("AsyncFunction", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class FunctionContext:
    """What the server hands a function that asks for it (by a parameter of this type)."""

    http: httpx2.AsyncClient
    geocoder: Geocoder
    settings: Settings


class FunctionDefinitionError(TypeError):
    """A registered function the model could not be offered; raised when it is registered."""


@dataclass(frozen=True)
class ServerFunction:
    name: str
    description: str
    arguments: type[BaseModel]
    context_parameter: str | None
    run: Callable[..., Awaitable[Any]]

    def tool(self) -> dict[str, Any]:
        """The Responses API `function` tool, in strict mode."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": _strict(self.arguments.model_json_schema()),
            "strict": True,
        }

    async def __call__(self, arguments: BaseModel, context: FunctionContext) -> Any:
        values = {name: getattr(arguments, name) for name in type(arguments).model_fields}
        if self.context_parameter is not None:
            values[self.context_parameter] = context
        return await self.run(**values)


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's schema as strict mode wants it: no titles, every object closed and complete."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: walk(value) for key, value in node.items() if key != "title"}
        if out.get("type") == "object":
            properties = out.setdefault("properties", {})
            out["required"] = list(properties)
            out["additionalProperties"] = False
        return out

    result: dict[str, Any] = walk(schema)
    return result


class FunctionRegistry:
    def __init__(self) -> None:
        self._functions: dict[str, ServerFunction] = {}

    def register(self, function: AsyncFunction) -> AsyncFunction:
        """The decorator: offer `function` to the model under its own name."""
        registered = function
        name = function.__name__
        if not inspect.iscoroutinefunction(function):
            raise FunctionDefinitionError(f"{name}: a server function must be `async def`.")
        if name in self._functions:
            raise FunctionDefinitionError(f"{name}: a function of that name is registered.")
        description = inspect.getdoc(function)
        if not description:
            raise FunctionDefinitionError(
                f"{name}: its docstring is what the model reads; add one."
            )
        hints = get_type_hints(function, include_extras=True)
        fields: dict[str, Any] = {}
        context_parameter = None
        for parameter in inspect.signature(function).parameters.values():
            annotation = hints.get(parameter.name)
            if annotation is FunctionContext:
                context_parameter = parameter.name
                continue
            if annotation is None:
                raise FunctionDefinitionError(f"{name}: parameter {parameter.name} needs a type.")
            if parameter.default is not inspect.Parameter.empty:
                # Strict mode offers no optional parameters: the model always sends every one.
                raise FunctionDefinitionError(
                    f"{name}: parameter {parameter.name} has a default; strict tools take none."
                )
            fields[parameter.name] = (annotation, ...)
        arguments = create_model(
            f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
        )
        self._functions[name] = ServerFunction(
            name, description, arguments, context_parameter, function
        )
        return registered

    def names(self) -> list[str]:
        return list(self._functions)

    def get(self, name: str) -> ServerFunction | None:
        return self._functions.get(name)

    def tools(self) -> list[dict[str, Any]]:
        """The function tools, in the order the functions were registered."""
        return [function.tool() for function in self._functions.values()]

    def parse_arguments(self, function: ServerFunction, arguments: object) -> BaseModel:
        """Raises ValidationError for arguments the schema does not allow."""
        return function.arguments.model_validate(arguments)

    async def call(self, name: str, arguments: str, context: FunctionContext) -> dict[str, Any]:
        """Run a function the model called; its output, or an error object the model can read.

        It may take FUNCTION_TIMEOUT_SECONDS (context.settings) before the model is told so.
        """
        timeout = context.settings.function_timeout_seconds
        function = self._functions.get(name)
        if function is None:
            return {"error": f"There is no function named {name!r}."}
        try:
            parsed = self.parse_arguments(function, json.loads(arguments or "{}"))
        except json.JSONDecodeError:
            return {"error": f"The arguments of {name} are not valid JSON."}
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
                for error in exc.errors()[:5]
            )
            return {"error": f"Invalid arguments for {name}: {problems}"}
        try:
            async with asyncio.timeout(timeout):
                result = await function(parsed, context)
        except TimeoutError:
            logger.warning("function %s timed out after %s s", name, timeout)
            return {"error": f"{name} did not finish within {timeout:g} seconds."}
        except ApiError as exc:
            # Our own errors are written for people: the model may read them as they are.
            return {"error": exc.message}
        except Exception as exc:
            logger.warning("function %s raised %s", name, type(exc).__name__, exc_info=True)
            return {"error": f"{name} failed ({type(exc).__name__})."}
        try:
            json.dumps(result)
        except (TypeError, ValueError):
            logger.warning("function %s returned a %s, not JSON", name, type(result).__name__)
            return {"error": f"{name} returned something that is not JSON."}
        return result if isinstance(result, dict) else {"result": result}


REGISTRY = FunctionRegistry()
server_function = REGISTRY.register
call_function = REGISTRY.call


def is_server_function(name: str) -> bool:
    return REGISTRY.get(name) is not None
