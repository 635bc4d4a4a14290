"""The function tools the model is offered, as the stateless turn and the tools panel see them.

Each function is one file in backend/functions/, registered with `@server_function`
(lib/functions/registry.py); this module only reads the registry.
"""

from typing import Any

import functions  # noqa: F401  # importing the package registers every function
from lib.functions.registry import REGISTRY


def function_tools() -> list[dict[str, Any]]:
    """The strict `function` tools, in the contract's order (docs/api.md, toolsState -> tools)."""
    return REGISTRY.tools()
