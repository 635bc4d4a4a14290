"""Frames shared through a real redis-server: batched, in order, and never after a hole."""

import asyncio
import uuid
from typing import Any

import pytest
import redis as sync_redis

from lib.runs.shared import SharedRuns, SharedRunsUnavailableError
from tests.fixtures.redis_server import RedisServer


def frames_in(server: RedisServer, turn_id: str) -> list[tuple[str, dict[bytes, bytes]]]:
    client = sync_redis.Redis(host="127.0.0.1", port=server.port, db=0)
    try:
        entries: Any = client.xrange(f"chat:run:{turn_id}:frames")
        return [(entry_id.decode(), fields) for entry_id, fields in entries]
    finally:
        client.close()


async def test_the_frames_of_many_runs_at_once_each_arrive_whole_and_in_order(
    redis_server: RedisServer,
) -> None:
    shared = SharedRuns(f"redis://127.0.0.1:{redis_server.port}/0", replay_seconds=60)
    turns = [f"msg_{uuid.uuid4().hex}" for _ in range(20)]
    try:
        pending = [
            shared.publish_soon(turn_id, [(number, f"{turn_id}:{number}".encode())], False)
            for number in range(1, 51)
            for turn_id in turns
        ]
        await asyncio.gather(*pending, *(shared.publish(t, [(51, b"end")], True) for t in turns))
        for turn_id in turns:
            stored = frames_in(redis_server, turn_id)
            # The frames of a run queued at one moment are one entry, each a field named by
            # its number; the entry's id is the number of its last frame.
            frames = [
                (int(name), frame)
                for entry_id, fields in stored[:-1]
                for name, frame in sorted(fields.items(), key=lambda field: int(field[0]))
            ]
            assert frames == [
                *((n, f"{turn_id}:{n}".encode()) for n in range(1, 51)),
                (51, b"end"),
            ]
            assert stored[-2][0] == "51-1"
            assert stored[-1] == ("51-2", {b"end": b"1"})
            assert len(stored) < 51  # grouped, not one entry per frame
    finally:
        await shared.close()


async def test_after_a_failed_write_a_run_shares_nothing_more() -> None:
    own = RedisServer().start()  # its own: this test stops it
    shared = SharedRuns(f"redis://127.0.0.1:{own.port}/0", replay_seconds=60)
    turn_id = f"msg_{uuid.uuid4().hex}"
    try:
        await shared.publish(turn_id, [(1, b"one")], False)
        own.stop()
        with pytest.raises(Exception):  # noqa: B017  # whatever the client raises
            await shared.publish(turn_id, [(2, b"two")], False)
        own.start()
        # Redis is back, but frame 3 after the lost frame 2 would be a hole for a listener.
        with pytest.raises(SharedRunsUnavailableError):
            await shared.publish(turn_id, [(3, b"three")], False)
        # The restarted Redis is empty: frame 3 would be the only entry had it been written.
        assert frames_in(own, turn_id) == []
    finally:
        await shared.close()
        own.close()
