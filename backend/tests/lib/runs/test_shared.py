"""Frames shared through a real redis-server: batched, in order, and never after a hole."""

import asyncio
import uuid
from typing import Any

import pytest
import redis as sync_redis

from lib.runs.frames import encode
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

    def frame(turn_id: str, number: int) -> bytes:
        return encode(number, "response.output_text.delta", {"delta": f"{turn_id} {number}\n"})

    try:
        pending = [
            shared.publish_soon(turn_id, [(number, frame(turn_id, number))], False)
            for number in range(1, 51)
            for turn_id in turns
        ]
        ends = (shared.publish(t, [(51, frame(t, 51))], True) for t in turns)
        await asyncio.gather(*pending, *ends)
        for turn_id in turns:
            expected = [(n, frame(turn_id, n)) for n in range(1, 52)]
            assert [f async for f in shared.follow(turn_id, 0)] == [*expected, (51, None)]
            # From the middle: the rest of the entry it falls in, then the later ones.
            assert [f async for f in shared.follow(turn_id, 17)] == [*expected[17:], (51, None)]
            stored = frames_in(redis_server, turn_id)
            # A run's frames queued at one moment are one entry whose id is the number of the
            # last of them.
            assert stored[-2][0] == "51-1"
            assert stored[-1] == ("51-2", {b"end": b"1"})
            assert len(stored) < 51  # grouped, not one entry per frame
    finally:
        await shared.close()


async def test_entries_of_the_version_before_a_rolling_deploy_still_read(
    redis_server: RedisServer,
) -> None:
    shared = SharedRuns(f"redis://127.0.0.1:{redis_server.port}/0", replay_seconds=60)
    turn_id = f"msg_{uuid.uuid4().hex}"
    client = sync_redis.Redis(host="127.0.0.1", port=redis_server.port, db=0)
    try:
        key = f"chat:run:{turn_id}:frames"
        client.xadd(key, {"1": encode(1, "a", {}), "2": encode(2, "b", {})}, id="2-1")
        client.xadd(key, {"3": encode(3, "c", {})}, id="3-1")
        client.xadd(key, {"end": b"1"}, id="3-2")
        assert [f async for f in shared.follow(turn_id, 1)] == [
            (2, encode(2, "b", {})),
            (3, encode(3, "c", {})),
            (3, None),
        ]
    finally:
        client.close()
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
