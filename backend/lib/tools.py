"""Where readers of the migration guide look for `toolsState` -> tools; the work lives in
`lib/openai/tools.py`."""

from lib.openai.tools import ToolsState, build_tools

__all__ = ["ToolsState", "build_tools"]
