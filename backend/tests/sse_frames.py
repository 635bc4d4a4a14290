"""Reading the contract's frames the way the browser client does, and what a fixture should give."""

import json
from pathlib import Path
from typing import Any

from tests.fakes.openai_server import FIXTURES_DIR


def parse_frames(body: bytes) -> list[dict[str, Any]]:
    """Split on blank lines and JSON-parse what follows `data: ` (comment lines are skipped)."""
    frames = []
    for block in body.decode().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                frames.append(json.loads(line[len("data: ") :]))
    return frames


def fixture_events(name: str) -> list[tuple[str, str]]:
    """(type, raw data JSON) of each event of a recorded stream."""
    text = (FIXTURES_DIR / f"{name}.sse").read_text()
    events = []
    for block in text.split("\n\n"):
        event_type, data = None, None
        for line in block.strip("\n").split("\n"):
            if line.startswith("event: "):
                event_type = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]
        if data is not None:
            events.append((event_type or json.loads(data)["type"], data))
    return events


def expected_body(name: str) -> bytes:
    return b"".join(
        f'data: {{"event": "{event_type}", "data": {data}}}\n\n'.encode()
        for event_type, data in fixture_events(name)
    )


def fixture_names() -> list[str]:
    return sorted(path.stem for path in Path(FIXTURES_DIR).glob("*.sse"))
