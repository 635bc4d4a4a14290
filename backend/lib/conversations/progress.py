"""Answers being written, saved together: one transaction per moment for every run of the worker.

Each run saves its answer when an item finishes and at least every second, beats when there
is nothing new, and stores its final state (with its usage) when it ends. Done one transaction
per run, a thousand open runs are a thousand transactions a second queued on one SQLite
connection, and the start of a new turn waits behind them; a hundred runs ending together cost
a hundred commits. Here the saves, beats and ends waiting at one moment go out as one statement
of each kind (an executemany), in one transaction; each caller still waits until its own write
is stored, and hears of its failure.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from lib.conversations.repository import utcnow
from lib.db.database import Database
from lib.db.lists import one_of
from lib.db.models import Message
from lib.flusher import Flusher
from lib.usage.repository import USAGE_KEYS, Usage, add_usage_rows, turn_usage

# Core, not the ORM: an ORM UPDATE given many parameter sets wants each row's primary key.
_messages = cast(Table, Message.__table__)
_SAVE = (
    update(_messages)
    .where(_messages.c.id == bindparam("turn_id"), _messages.c.status == "streaming")
    .values(items=bindparam("new_items"), text=bindparam("new_text"))
)
# The end overwrites whatever the answer was; a save that comes later finds it no longer
# `streaming` and changes nothing.
_END = (
    update(_messages)
    .where(_messages.c.id == bindparam("turn_id"))
    .values(
        status=bindparam("new_status"),
        items=bindparam("new_items"),
        text=bindparam("new_text"),
        cost_usd=bindparam("new_cost_usd"),
        error=bindparam("new_error"),
        heartbeat_at=None,
        **{key: bindparam(f"new_{key}") for key in USAGE_KEYS},
    )
)


@dataclass(frozen=True)
class FinalState:
    """An answer as it ended, and whose usage it is."""

    owner: str
    model: str
    status: str
    items: list[dict[str, Any]]
    text: str
    usage: Usage | None
    cost_usd: float | None
    error: dict[str, Any] | None


@dataclass
class _Pending:
    # None: a heartbeat only.
    items: list[dict[str, Any]] | None
    text: str
    waiting: list["asyncio.Future[None]"] = field(default_factory=list)
    final: FinalState | None = None


class ProgressWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[str, _Pending] = {}
        self._flusher = Flusher(self._write_pending, "answer progress")

    async def save(self, turn_id: str, items: list[dict[str, Any]], text: str) -> None:
        await self._enqueue(turn_id, items, text)

    async def beat(self, turn_id: str) -> None:
        await self._enqueue(turn_id, None, "")

    async def end(self, turn_id: str, final: FinalState) -> None:
        """The final state, and the usage added to its owner's day."""
        await self._enqueue(turn_id, None, "", final)

    async def _enqueue(
        self,
        turn_id: str,
        items: list[dict[str, Any]] | None,
        text: str,
        final: FinalState | None = None,
    ) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending = self._pending.get(turn_id)
        if pending is None:
            self._pending[turn_id] = _Pending(items, text, [done], final)
        else:
            if items is not None:  # a newer answer replaces the one not yet written
                pending.items, pending.text = items, text
            if final is not None:
                pending.final = final
            pending.waiting.append(done)
        self._flusher.kick()
        await done

    async def close(self) -> None:
        await self._flusher.close()

    async def _write_pending(self) -> None:
        batch, self._pending = self._pending, {}
        if not batch:
            return
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
        ends = {turn_id: p.final for turn_id, p in batch.items() if p.final is not None}
        async with self._db.session() as session:
            if saves:
                await session.execute(_SAVE.values(heartbeat_at=now, updated_at=now), saves)
            # A save beats too; the beats here are of the runs with nothing new to save.
            beats = [
                turn_id
                for turn_id, pending in batch.items()
                if pending.items is None and pending.final is None
            ]
            if beats:
                await session.execute(
                    update(Message)
                    .where(
                        one_of(Message.id, beats, self._db.dialect), Message.status == "streaming"
                    )
                    .values(heartbeat_at=now)
                )
            if ends:
                await session.execute(
                    _END.values(updated_at=now),
                    [_end_parameters(turn_id, final) for turn_id, final in ends.items()],
                )
                day = now.date()
                await add_usage_rows(
                    session,
                    [
                        turn_usage(final.owner, day, final.model, final.usage, final.cost_usd)
                        for final in ends.values()
                        if final.usage
                    ],
                )


def _end_parameters(turn_id: str, final: FinalState) -> dict[str, Any]:
    usage = final.usage or {}
    return {
        "turn_id": turn_id,
        "new_status": final.status,
        "new_items": final.items,
        "new_text": final.text,
        "new_cost_usd": final.cost_usd,
        "new_error": final.error,
        # Tokens unknown (no usage came) stay NULL, not 0.
        **{f"new_{key}": int(usage.get(key, 0)) if final.usage else None for key in USAGE_KEYS},
    }
