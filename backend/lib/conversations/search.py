"""What a search box's text means: words, case-insensitive, and a short snippet per hit."""

import re

# Enough for any real query; the rest is ignored rather than making the database work harder.
MAX_WORDS = 12
SNIPPET_CHARS = 160
_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(query: str) -> list[str]:
    """Letters and digits only: quotes, `*`, `-`, `NEAR` or `%` are searched as the words they
    surround, never as search syntax."""
    return [word.lower() for word in _WORD.findall(query)][:MAX_WORDS]


def snippet(text: str, words: list[str]) -> str:
    """About SNIPPET_CHARS of `text` around the first word found, with … where it was cut."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    positions = [lowered.find(word) for word in words if word and lowered.find(word) >= 0]
    start = max(0, min(positions) - SNIPPET_CHARS // 3) if positions else 0
    end = min(len(flat), start + SNIPPET_CHARS)
    if start > 0:
        # Start at a word boundary.
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")
