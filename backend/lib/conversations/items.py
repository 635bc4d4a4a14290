"""Responses API items as the conversation keeps them, shows them and sends them back."""

from typing import Any

# Reasoning the upstream encrypted for us: it goes back upstream, never to a browser or a file.
SECRET_ITEM_KEYS = frozenset({"encrypted_content"})


def without_secrets(value: Any) -> Any:
    """A copy of items (or any JSON) with every `encrypted_content` removed, at any depth."""
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if k not in SECRET_ITEM_KEYS}
    return value


def input_text(items: list[Any]) -> str:
    """The plain text a person wrote in input items (search and Markdown export read it)."""
    parts: list[str] = []
    for item in items:
        if not isinstance(item, dict) or item.get("role") != "user":
            continue
        content = item.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(
                str(part["text"])
                for part in content
                if isinstance(part, dict)
                and part.get("type") in ("input_text", "text")
                and isinstance(part.get("text"), str)
            )
    return "\n\n".join(part for part in parts if part)


def output_text(items: list[Any]) -> str:
    """The plain text of an answer: its assistant messages' text parts, in order."""
    parts: list[str] = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "output_text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "refusal":
                parts.append(str(part.get("refusal", "")))
    return "\n\n".join(part for part in parts if part)


def replayable(items: list[Any]) -> list[Any]:
    """An answer's items fit to go back upstream as the next turn's input.

    Items cut short (a message stopped mid-sentence, kept for the person to read) are left out,
    and so is a function call stopped before its output, which the upstream would refuse.
    """
    answered = {
        item.get("call_id")
        for item in items
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    }
    return [
        item
        for item in items
        if isinstance(item, dict)
        and item.get("status") != "incomplete"
        and not (item.get("type") == "function_call" and item.get("call_id") not in answered)
    ]
