"""The functions the model may call, one file each. Importing this package registers them.

FUNCTIONS is the order the model is offered them in (docs/api.md: get_weather, then get_joke).
A new function: one file here, and its name in FUNCTIONS.
"""

import importlib

FUNCTIONS = ("get_weather", "get_joke")

for _name in FUNCTIONS:
    importlib.import_module(f"functions.{_name}")
