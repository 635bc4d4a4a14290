"""The browser's `toolsState` and the Responses API `tools` it stands for
(docs/api.md, toolsState -> tools)."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from config.tools_list import function_tools
from lib.errors import BadRequest

GOOGLE_CONNECTORS = (
    (
        "GoogleCalendar",
        "Search the user's calendar and read calendar events",
        "connector_googlecalendar",
    ),
    ("GoogleMail", "Search the user's email inbox and read emails", "connector_gmail"),
)


class _ClientModel(BaseModel):
    # The original client sends more than we read (file lists, UI flags): accept and ignore it.
    model_config = ConfigDict(extra="ignore")


class UserLocation(BaseModel):
    # Forwarded as the client sent it, so keep every field it had.
    model_config = ConfigDict(extra="allow")

    type: str = "approximate"
    country: str | None = None
    city: str | None = None
    region: str | None = None

    def is_set(self) -> bool:
        return any(isinstance(v, str) and v.strip() for v in (self.country, self.region, self.city))


class WebSearchConfig(_ClientModel):
    user_location: UserLocation | None = None


class VectorStore(_ClientModel):
    id: str = ""
    name: str | None = None


class McpConfig(_ClientModel):
    server_label: str = ""
    server_url: str = ""
    allowed_tools: str = ""
    skip_approval: bool = False


class ToolsState(_ClientModel):
    webSearchEnabled: bool = False
    fileSearchEnabled: bool = False
    functionsEnabled: bool = False
    codeInterpreterEnabled: bool = False
    vectorStore: VectorStore | None = None
    webSearchConfig: WebSearchConfig | None = None
    mcpEnabled: bool = False
    mcpConfig: McpConfig | None = None
    googleIntegrationEnabled: bool = False


def _web_search_tool(config: WebSearchConfig | None) -> dict[str, Any]:
    tool: dict[str, Any] = {"type": "web_search"}
    location = config.user_location if config else None
    if location is not None and location.is_set():
        tool["user_location"] = location.model_dump(exclude_unset=True)
    return tool


def _file_search_tool(store: VectorStore | None) -> dict[str, Any]:
    if store is None or not store.id.strip():
        # OpenAI would refuse an empty id with a message about the upstream call; say it plainly.
        raise BadRequest(
            "File search is on but no vector store is chosen (toolsState.vectorStore.id)."
        )
    return {"type": "file_search", "vector_store_ids": [store.id]}


def _mcp_tool(config: McpConfig | None) -> dict[str, Any] | None:
    if config is None or not config.server_url.strip() or not config.server_label.strip():
        return None
    tool: dict[str, Any] = {
        "type": "mcp",
        "server_label": config.server_label,
        "server_url": config.server_url,
    }
    if config.skip_approval:
        tool["require_approval"] = "never"
    allowed = [name.strip() for name in config.allowed_tools.split(",") if name.strip()]
    if allowed:
        tool["allowed_tools"] = allowed
    return tool


def _google_tools(access_token: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "mcp",
            "server_label": label,
            "server_description": description,
            "connector_id": connector_id,
            "authorization": access_token,
            "require_approval": "never",
        }
        for label, description, connector_id in GOOGLE_CONNECTORS
    ]


def build_tools(state: ToolsState, google_access_token: str | None) -> list[dict[str, Any]]:
    """The tools of a turn, in the contract's order."""
    tools: list[dict[str, Any]] = []
    if state.webSearchEnabled:
        tools.append(_web_search_tool(state.webSearchConfig))
    if state.fileSearchEnabled:
        tools.append(_file_search_tool(state.vectorStore))
    if state.codeInterpreterEnabled:
        tools.append({"type": "code_interpreter", "container": {"type": "auto"}})
    if state.functionsEnabled:
        tools.extend(function_tools())
    if state.mcpEnabled and (mcp := _mcp_tool(state.mcpConfig)) is not None:
        tools.append(mcp)
    if state.googleIntegrationEnabled and google_access_token:
        tools.extend(_google_tools(google_access_token))
    return tools
