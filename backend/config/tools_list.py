"""The functions the model may call. The browser runs them through /api/functions/<name>.

Adding a function is one entry here and one handler in api/functions.py. Every property is
required and no others are allowed, because the turn offers these with `strict: true`
(docs/api.md, toolsState -> tools, item 4).
"""

from typing import Any, TypedDict


class FunctionSpec(TypedDict):
    name: str
    description: str
    properties: dict[str, dict[str, Any]]


FUNCTIONS: list[FunctionSpec] = [
    {
        "name": "get_weather",
        "description": "Get the weather for a given location",
        "properties": {
            "location": {"type": "string", "description": "Location to get weather for"},
            "unit": {
                "type": "string",
                "description": "Unit to get weather in",
                "enum": ["celsius", "fahrenheit"],
            },
        },
    },
    {
        "name": "get_joke",
        "description": "Get a programming joke",
        "properties": {},
    },
]


def function_tool(spec: FunctionSpec) -> dict[str, Any]:
    """The Responses API `function` tool for one spec, in strict mode."""
    return {
        "type": "function",
        "name": spec["name"],
        "description": spec["description"],
        "parameters": {
            "type": "object",
            "properties": spec["properties"],
            "required": list(spec["properties"]),
            "additionalProperties": False,
        },
        "strict": True,
    }
