"""Answers being written, saved together: one transaction per moment for every run of the worker.

Each run saves its answer when an item finishes and at least every second, and beats when there
is nothing new. Done one transaction per run, a thousand open runs are a thousand transactions a
second queued on one SQLite connection, and the start of a new turn waits behind them. Here the
saves and beats waiting at one moment go out as one statement each (an executemany), in one
transaction; each caller still waits until its own save is stored, and hears of its failure.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from lib.conversations.repository import utcnow
from lib.db.database import Database
from lib.db.models import Message

# Core, not the ORM: an ORM UPDATE given many parameter sets wants each row's primary key.
_messages = cast(Table, Message.__table__)
_SAVE = (
    update(_messages)
    .where(_messages.c.id == bindparam("turn_id"), _messages.c.status == "streaming")
    .values(items=bindparam("new_items"), text=bindparam("new_text"))
)


@dataclass
class _Pending:
    # None: a heartbeat only.
    items: list[dict[str, Any]] | None
    text: str
    waiting: list["asyncio.Future[None]"] = field(default_factory=list)


class ProgressWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[str, _Pending] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def save(self, turn_id: str, items: list[dict[str, Any]], text: str) -> None:
        await self._enqueue(turn_id, items, text)

    async def beat(self, turn_id: str) -> None:
        await self._enqueue(turn_id, None, "")

    async def _enqueue(self, turn_id: str, items: list[dict[str, Any]] | None, text: str) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending = self._pending.get(turn_id)
        if pending is None:
            self._pending[turn_id] = _Pending(items, text, [done])
        else:
            if items is not None:  # a newer answer replaces the one not yet written
                pending.items, pending.text = items, text
            pending.waiting.append(done)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_forever(), name="answer progress")
        self._wake.set()
        await done

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _write_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, {}
            if not batch:
                continue
            try:
                await self._write(batch)
            except Exception as exc:
                for pending in batch.values():
                    for done in pending.waiting:
                        if not done.done():
                            done.set_exception(exc)
            else:
                for pending in batch.values():
                    for done in pending.waiting:
                        if not done.done():
                            done.set_result(None)

    async def _write(self, batch: dict[str, _Pending]) -> None:
        now = utcnow()
        saves = [
            {"turn_id": turn_id, "new_items": pending.items, "new_text": pending.text}
            for turn_id, pending in batch.items()
            if pending.items is not None
        ]
        async with self._db.session() as session:
            if saves:
                await session.execute(_SAVE.values(heartbeat_at=now, updated_at=now), saves)
            # A save beats too; the beats here are of the runs with nothing new to save.
            beats = [turn_id for turn_id, pending in batch.items() if pending.items is None]
            if beats:
                await session.execute(
                    update(Message)
                    .where(Message.id.in_(beats), Message.status == "streaming")
                    .values(heartbeat_at=now)
                )
