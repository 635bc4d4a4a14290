"""A run's frames in the process: every listener gets each frame once, in order, to the end."""

import asyncio

from lib.runs.frames import KEEPALIVE
from lib.runs.log import RunLog


def frame(number: int) -> bytes:
    return f"id: {number}\ndata: {number}\n\n".encode()


async def collect(log: RunLog, after: int = 0, keepalive: float | None = None) -> bytes:
    return b"".join([chunk async for chunk in log.follow(after, keepalive)])


async def test_listeners_joining_at_any_point_get_every_later_frame_once_in_order() -> None:
    log = RunLog()
    early = asyncio.create_task(collect(log))
    await asyncio.sleep(0)
    late = None
    for number in range(1, 201):
        assert log.append(frame(number)) == number
        if number == 50:
            late = asyncio.create_task(collect(log, after=30))
        if number % 7 == 0:
            await asyncio.sleep(0)  # the listeners run between some frames, not others
    log.end()
    assert late is not None
    assert await early == b"".join(frame(n) for n in range(1, 201))
    assert await late == b"".join(frame(n) for n in range(31, 201))
    # One after the end replays the whole log and stops.
    assert await collect(log, after=198) == frame(199) + frame(200)


async def test_frames_that_arrive_before_the_listener_runs_go_out_in_one_piece() -> None:
    log = RunLog()
    follow = log.follow()
    first = asyncio.ensure_future(anext(follow))
    await asyncio.sleep(0)  # the listener now waits
    for number in range(1, 6):
        log.append(frame(number))
    assert await first == b"".join(frame(n) for n in range(1, 6))
    log.end()
    assert [chunk async for chunk in follow] == []


async def test_a_silence_gets_a_keep_alive_and_the_stream_goes_on() -> None:
    log = RunLog()
    follow = log.follow(keepalive=0.01)
    assert await anext(follow) == KEEPALIVE
    assert await anext(follow) == KEEPALIVE
    log.append(frame(1))
    assert await anext(follow) == frame(1)
    log.end()
    assert [chunk async for chunk in follow] == []


async def test_a_listener_that_leaves_while_waiting_does_not_hold_up_the_others() -> None:
    log = RunLog()
    leaving = log.follow()
    waiting = asyncio.ensure_future(anext(leaving))
    staying = asyncio.create_task(collect(log))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.sleep(0)
    log.append(frame(1))
    log.end()
    assert await staying == frame(1)
