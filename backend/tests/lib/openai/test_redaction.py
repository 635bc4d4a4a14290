"""The Google token never reaches the browser: split across deltas, escaped, or echoed."""

import json
from typing import Any

from lib.openai.redaction import DeltaWindow
from lib.openai.sse import EventTranslator
from lib.runs.frames import encode, encode_raw

TOKEN = "ya29.a0AfB_byC-secret/token+value"


def sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def delta(text: str, item: str = "msg_1") -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "item_id": item,
        "output_index": 0,
        "content_index": 0,
        "delta": text,
    }


def relayed_text(frames: bytes) -> str:
    text = ""
    for block in frames.decode().split("\n\n"):
        if block.startswith("data: "):
            event = json.loads(block[6:])["data"]
            if event.get("type") == "response.output_text.delta":
                text += event["delta"]
    return text


def test_a_token_split_across_two_deltas_is_redacted_whole() -> None:
    translator = EventTranslator(TOKEN)
    out = translator.feed(sse(delta("Here it is: " + TOKEN[:7])))
    out += translator.feed(sse(delta(TOKEN[7:] + " - done.")))
    assert TOKEN[:5] not in out.decode()
    assert relayed_text(out) == "Here it is: [redacted] - done."


def test_text_that_only_looked_like_the_start_of_the_token_goes_out_next() -> None:
    translator = EventTranslator(TOKEN)
    out = translator.feed(sse(delta("I say ya")))
    out += translator.feed(sse(delta("y! and more")))
    assert relayed_text(out) == "I say yay! and more"


def test_json_escaped_forms_are_redacted_too() -> None:
    translator = EventTranslator(TOKEN)
    echoed = {
        "type": "response.completed",
        "response": {"output": [{"type": "message", "content": [{"text": TOKEN}]}]},
    }
    body = sse(echoed).replace(b"/", b"\\/")  # JSON may escape the slash
    out = translator.feed(body)
    assert b"secret" not in out and b"[redacted]" in out


def test_a_run_frame_never_holds_the_token_in_any_form() -> None:
    # As the upstream may write it: JSON with the slash escaped.
    raw = json.dumps({"item": {"text": TOKEN}}).replace("/", "\\/").encode()
    assert b"secret" not in encode_raw(3, "response.output_item.done", raw, TOKEN)
    assert b"secret" not in encode(4, "x", {"text": TOKEN}, TOKEN)


def test_the_window_is_per_item() -> None:
    window = DeltaWindow(TOKEN)
    first = window.filter(delta("ya29", item="a"))
    second = window.filter(delta("plain words", item="b"))
    assert first["delta"] == "" and second["delta"] == "plain words"
    assert window.filter(delta(".x", item="a"))["delta"] == "ya29.x"
