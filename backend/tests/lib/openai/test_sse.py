"""EventTranslator: OpenAI's SSE bytes in, the contract's frames out, however the bytes arrive."""

import json

from lib.openai.sse import KEEPALIVE, EventTranslator, error_frame
from tests.sse_frames import expected_body, fixture_names, parse_frames


def feed_all(translator: EventTranslator, data: bytes, step: int) -> bytes:
    out = b"".join(translator.feed(data[i : i + step]) for i in range(0, len(data), step))
    return out + translator.close()


def test_frames_survive_any_split_of_the_upstream_bytes() -> None:
    from tests.fakes.openai_server import FIXTURES_DIR

    for name in fixture_names():
        raw = (FIXTURES_DIR / f"{name}.sse").read_bytes()
        for step in (1, 7, 4096):
            assert feed_all(EventTranslator(), raw, step) == expected_body(name), (name, step)


def test_crlf_line_ends_are_read_and_never_written() -> None:
    raw = b'event: a.b\r\ndata: {"type":"a.b"}\r\n\r\nevent: c\r\ndata: {"type":"c"}\r\n\r\n'
    out = feed_all(EventTranslator(), raw, 3)
    assert out == (
        b'data: {"event": "a.b", "data": {"type":"a.b"}}\n\n'
        b'data: {"event": "c", "data": {"type":"c"}}\n\n'
    )


def test_an_event_without_an_event_line_takes_its_type_from_the_json() -> None:
    out = feed_all(EventTranslator(), b'data: {"type": "response.created", "n": 1.0}\n\n', 100)
    assert parse_frames(out) == [
        {"event": "response.created", "data": {"type": "response.created", "n": 1.0}}
    ]


def test_comments_ids_and_done_are_not_forwarded() -> None:
    raw = b': ping\n\nid: 4\nretry: 10\n\ndata: [DONE]\n\nevent: x\ndata: {"type":"x"}\n\n'
    out = feed_all(EventTranslator(), raw, 5)
    assert out == b'data: {"event": "x", "data": {"type":"x"}}\n\n'


def test_authorization_values_are_redacted() -> None:
    event = {
        "type": "response.created",
        "response": {
            "tools": [
                {"type": "mcp", "server_label": "GoogleMail", "authorization": "ya29.token"},
                {
                    "type": "mcp",
                    "server_label": "x",
                    "input_schema": {"authorization": {"type": "string"}},
                },
            ]
        },
    }
    raw = f"event: response.created\ndata: {json.dumps(event)}\n\n".encode()
    frames = parse_frames(feed_all(EventTranslator(), raw, 9))
    tools = frames[0]["data"]["response"]["tools"]
    assert tools[0]["authorization"] == "[redacted]"
    assert tools[1]["input_schema"] == {"authorization": {"type": "string"}}


def test_the_secret_is_removed_wherever_it_is_echoed() -> None:
    raw = b'event: r\ndata: {"type":"r","note":"Bearer ya29.secret-token"}\n\n'
    out = feed_all(EventTranslator(secret="ya29.secret-token"), raw, 4)
    assert b"ya29.secret-token" not in out
    assert parse_frames(out)[0]["data"]["note"] == "Bearer [redacted]"


def test_terminal_events_mark_the_stream_finished() -> None:
    translator = EventTranslator()
    translator.feed(
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta"}\n\n'
    )
    finished_after_delta = translator.finished
    translator.feed(b'event: response.completed\ndata: {"type":"response.completed"}\n\n')
    assert not finished_after_delta
    assert translator.finished
    assert translator.events == 2


def test_error_frame_has_openais_nested_shape() -> None:
    frames = parse_frames(error_frame("timeout", "upstream_timeout", "late"))
    assert frames == [
        {
            "event": "error",
            "data": {
                "type": "error",
                "error": {"type": "timeout", "code": "upstream_timeout", "message": "late"},
            },
        }
    ]


def test_keepalive_is_a_comment_the_client_skips() -> None:
    assert KEEPALIVE.startswith(b":") and KEEPALIVE.endswith(b"\n\n")
    assert parse_frames(KEEPALIVE) == []
