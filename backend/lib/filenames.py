"""File names that come from outside: what an upload keeps and what a download header says.

One home for both, so the two directions agree on what a name may hold and how long it may be.
"""

import unicodedata

# The longest name common file systems keep, and what OpenAI accepts for a file.
MAX_FILENAME_CHARS = 255
# Control, format and line/paragraph separators: nothing a person types in a file name, and
# what a forged name uses to end a header line or hide its real extension.
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def has_hidden_characters(name: str) -> bool:
    return any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in name)


def without_hidden_characters(name: str) -> str:
    return "".join(c for c in name if unicodedata.category(c) not in _HIDDEN_CATEGORIES)


def last_segment(name: str) -> str | None:
    """The last path segment (`../../etc/passwd` -> `passwd`, `C:\\fakepath\\a.txt` -> `a.txt`),
    or None when nothing usable is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if not base.strip() or base.strip() in (".", ".."):
        return None
    return base
