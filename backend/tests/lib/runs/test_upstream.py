"""The upstream's events as a run reads them, whatever way the bytes are cut and lined."""

import json

from lib.openai.sse import read_block
from lib.runs.frames import encode_raw
from lib.runs.upstream import EventParser, RawEvent

DELTA = b'{"type":"response.output_text.delta","item_id":"msg_1","delta":"Ol\\u00e1"}'
STREAM = (
    b"event: response.output_text.delta\ndata: " + DELTA + b"\n\n"
    # No `event:` line: the type is read from the data.
    b'data: {"type":"response.output_text.done","item_id":"msg_1","text":"Ol\\u00e1"}\n\n'
    b": a comment\n\n"
    b"event: response.output_text.delta\ndata: {broken\n\n"
    b"event: response.output_text.delta\ndata: not an object\n\n"
    b"data: [DONE]\n\n"
)


def parse(chunks: list[bytes]) -> list[RawEvent]:
    parser = EventParser()
    events = [event for chunk in chunks for event in parser.feed(chunk)]
    return events + parser.close()


def test_events_are_the_same_however_the_bytes_are_cut() -> None:
    whole = parse([STREAM])
    assert [event.type for event in whole] == [
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_text.delta",  # forwarded, though not JSON: a save skips its text
    ]
    # A delta's bytes go on as the upstream wrote them, parsed only when asked.
    assert whole[0].data == DELTA
    for size in (1, 2, 7, 50):
        cut = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
        assert [(e.type, e.data) for e in parse(cut)] == [(e.type, e.data) for e in whole]
    crlf = STREAM.replace(b"\n", b"\r\n")
    assert [(e.type, e.data) for e in parse([crlf])] == [(e.type, e.data) for e in whole]


def test_data_over_several_lines_is_forwarded_on_one() -> None:
    block = (
        b"event: response.output_item.done\n"
        b'data: {"type": "response.output_item.done",\n'
        b'data:  "item": {"id": "msg_1", "text": "two\\nlines"}}\n\n'
    )
    [event] = parse([block])
    assert b"\n" not in event.data
    assert event.parsed() == {
        "type": "response.output_item.done",
        "item": {"id": "msg_1", "text": "two\nlines"},
    }
    # The frame a browser reads has the whole event on its one data line.
    frame = encode_raw(3, event.type, event.data)
    read = read_block(frame.rstrip(b"\n"))
    assert read is not None and read[2] == 1
    assert json.loads(read[1])["data"] == event.parsed()


def test_data_over_several_lines_that_is_not_json_is_dropped() -> None:
    block = b"event: response.output_text.delta\ndata: {not\ndata: json}\n\n"
    assert parse([block]) == []
