"""toolsState -> the Responses API `tools`, in the contract's order (docs/api.md)."""

from typing import Any

import pytest

from lib.errors import BadRequest
from lib.openai.tools import ToolsState, build_tools

# Spelled out from the contract rather than read from the registry, so that they check it.
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the weather for a given location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "Location to get weather for"},
            "unit": {
                "type": "string",
                "description": "Unit to get weather in",
                "enum": ["celsius", "fahrenheit"],
            },
        },
        "required": ["location", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}
JOKE = {
    "type": "function",
    "name": "get_joke",
    "description": "Get a programming joke",
    "parameters": {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    },
    "strict": True,
}

TOOLS_CASES: list[tuple[str, dict[str, Any] | None, list[dict[str, Any]]]] = [
    ("missing toolsState means no tools", None, []),
    ("null toolsState means no tools", {}, []),
    ("web search alone", {"webSearchEnabled": True}, [{"type": "web_search"}]),
    (
        "web search with an empty location sends none",
        {
            "webSearchEnabled": True,
            "webSearchConfig": {
                "user_location": {"type": "approximate", "country": "", "city": " ", "region": ""}
            },
        },
        [{"type": "web_search"}],
    ),
    (
        "web search with a city sends the location as given",
        {
            "webSearchEnabled": True,
            "webSearchConfig": {
                "user_location": {
                    "type": "approximate",
                    "country": "",
                    "city": "Paris",
                    "region": "",
                }
            },
        },
        [
            {
                "type": "web_search",
                "user_location": {
                    "type": "approximate",
                    "country": "",
                    "city": "Paris",
                    "region": "",
                },
            }
        ],
    ),
    (
        "file search uses the vector store",
        {"fileSearchEnabled": True, "vectorStore": {"id": "vs_123", "name": "Docs", "files": []}},
        [{"type": "file_search", "vector_store_ids": ["vs_123"]}],
    ),
    (
        "code interpreter gets an automatic container",
        {"codeInterpreterEnabled": True},
        [{"type": "code_interpreter", "container": {"type": "auto"}}],
    ),
    ("functions are strict", {"functionsEnabled": True}, [WEATHER, JOKE]),
    (
        "mcp with approval and every tool",
        {
            "mcpEnabled": True,
            "mcpConfig": {
                "server_label": "deepwiki",
                "server_url": "https://mcp.deepwiki.com/mcp",
                "allowed_tools": "",
                "skip_approval": False,
            },
        },
        [{"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.deepwiki.com/mcp"}],
    ),
    (
        "mcp skipping approval with a list of allowed tools",
        {
            "mcpEnabled": True,
            "mcpConfig": {
                "server_label": "deepwiki",
                "server_url": "https://mcp.deepwiki.com/mcp",
                "allowed_tools": " ask_question, ,read_wiki_structure ,",
                "skip_approval": True,
            },
        },
        [
            {
                "type": "mcp",
                "server_label": "deepwiki",
                "server_url": "https://mcp.deepwiki.com/mcp",
                "require_approval": "never",
                "allowed_tools": ["ask_question", "read_wiki_structure"],
            }
        ],
    ),
    (
        "mcp without a url is left out",
        {"mcpEnabled": True, "mcpConfig": {"server_label": "x", "server_url": ""}},
        [],
    ),
    (
        "mcp without a label is left out",
        {"mcpEnabled": True, "mcpConfig": {"server_label": "", "server_url": "https://a.b/mcp"}},
        [],
    ),
    ("google without a connected session adds nothing", {"googleIntegrationEnabled": True}, []),
    (
        "every tool, in the contract's order",
        {
            "mcpEnabled": True,
            "mcpConfig": {"server_label": "m", "server_url": "https://m.example/mcp"},
            "functionsEnabled": True,
            "codeInterpreterEnabled": True,
            "fileSearchEnabled": True,
            "vectorStore": {"id": "vs_1", "name": "n"},
            "webSearchEnabled": True,
        },
        [
            {"type": "web_search"},
            {"type": "file_search", "vector_store_ids": ["vs_1"]},
            {"type": "code_interpreter", "container": {"type": "auto"}},
            WEATHER,
            JOKE,
            {"type": "mcp", "server_label": "m", "server_url": "https://m.example/mcp"},
        ],
    ),
    (
        "switched-off tools send nothing even when configured",
        {
            "webSearchEnabled": False,
            "webSearchConfig": {"user_location": {"type": "approximate", "city": "Oslo"}},
            "fileSearchEnabled": False,
            "vectorStore": {"id": "vs_1", "name": "n"},
            "mcpEnabled": False,
            "mcpConfig": {"server_label": "m", "server_url": "https://m.example/mcp"},
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("tools_state", "expected"),
    [(state, tools) for _, state, tools in TOOLS_CASES],
    ids=[name for name, _, _ in TOOLS_CASES],
)
def test_tools_follow_tools_state(
    tools_state: dict[str, Any] | None, expected: list[dict[str, Any]]
) -> None:
    assert build_tools(ToolsState.model_validate(tools_state or {}), None) == expected


def test_google_adds_both_connectors_with_the_token_when_the_session_has_one() -> None:
    tools = build_tools(ToolsState(googleIntegrationEnabled=True), "ya29.token")
    assert [tool["server_label"] for tool in tools] == ["GoogleCalendar", "GoogleMail"]
    assert [tool["connector_id"] for tool in tools] == [
        "connector_googlecalendar",
        "connector_gmail",
    ]
    assert all(tool["authorization"] == "ya29.token" for tool in tools)
    assert all(tool["require_approval"] == "never" for tool in tools)


def test_google_switched_off_adds_nothing_even_with_a_token() -> None:
    assert build_tools(ToolsState(googleIntegrationEnabled=False), "ya29.token") == []


def test_file_search_without_a_vector_store_names_the_field() -> None:
    with pytest.raises(BadRequest, match=r"toolsState\.vectorStore\.id"):
        build_tools(ToolsState(fileSearchEnabled=True), None)
