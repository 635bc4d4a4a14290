"""Token counts as the Responses API reports them, summed over a turn's upstream calls."""

from typing import Any

from lib.usage.repository import USAGE_KEYS, Usage


def usage_from_response(response: Any) -> Usage | None:
    """The usage of a `response` object (from `response.completed`), or None without one."""
    if not isinstance(response, dict) or not isinstance(response.get("usage"), dict):
        return None
    usage = response["usage"]
    input_details = usage.get("input_tokens_details") or {}
    output_details = usage.get("output_tokens_details") or {}

    def number(value: Any) -> int:
        return int(value) if isinstance(value, int | float) else 0

    return {
        "input_tokens": number(usage.get("input_tokens")),
        "cached_tokens": number(input_details.get("cached_tokens")),
        "output_tokens": number(usage.get("output_tokens")),
        "reasoning_tokens": number(output_details.get("reasoning_tokens")),
        "total_tokens": number(usage.get("total_tokens")),
    }


def add_usage(total: Usage | None, more: Usage | None) -> Usage | None:
    if more is None:
        return total
    if total is None:
        return dict(more)
    return {key: total.get(key, 0) + more.get(key, 0) for key in USAGE_KEYS}
