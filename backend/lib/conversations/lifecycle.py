"""The database's life in the service: migrated at start-up, swept of dead turns, and of old
conversations when RETENTION_DAYS is set. None of it ever blocks a request.

An unreachable database does not stop the service from starting: the stateless turn and the
rest go on, the conversation routes answer 503, and migrating is tried again until it works.
"""

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import delete

from lib.conversations.repository import end_all_stale_turns, utcnow
from lib.db.database import Database
from lib.db.migrate import migrate
from lib.db.models import Conversation, Message
from lib.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

MIGRATE_RETRY_SECONDS = 5.0
RETENTION_SWEEP_SECONDS = 3600.0
# Deleted a few at a time, so that one sweep never holds the writer (SQLite) for long.
RETENTION_BATCH = 200
NOT_READY = "The conversation database is being prepared; try again in a few seconds."


class DatabaseLifecycle:
    def __init__(self, db: Database, retention_days: int | None) -> None:
        self.db = db
        self.retention_days = retention_days
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def require_ready(self) -> None:
        if not self.ready.is_set():
            raise ServiceUnavailable(NOT_READY)

    async def start(self) -> None:
        if not await self._migrate_once():
            self._tasks.append(asyncio.create_task(self._migrate_until_done()))
        if self.retention_days is not None:
            self._tasks.append(asyncio.create_task(self._sweep_forever()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _migrate_once(self) -> bool:
        try:
            await asyncio.wait_for(migrate(self.db), timeout=60)
            async with self.db.session() as session:
                ended = await end_all_stale_turns(session)
        except Exception as exc:
            logger.error(
                "The conversation database is not ready (%s); retrying", type(exc).__name__
            )
            return False
        if ended:
            logger.warning(
                "%d answers left streaming by a stopped worker are now incomplete", ended
            )
        self.ready.set()
        return True

    async def _migrate_until_done(self) -> None:
        while True:
            await asyncio.sleep(MIGRATE_RETRY_SECONDS)  # polling a database
            if await self._migrate_once():
                return

    async def _sweep_forever(self) -> None:
        await self.ready.wait()
        while True:
            try:
                await self.delete_expired()
            except Exception:
                logger.exception("Deleting expired conversations failed; trying again later")
            await asyncio.sleep(RETENTION_SWEEP_SECONDS)

    async def delete_expired(self) -> int:
        """Conversations not updated for RETENTION_DAYS, with their messages. Daily usage stays."""
        if self.retention_days is None:
            return 0
        cutoff = utcnow() - timedelta(days=self.retention_days)
        deleted = 0
        while True:
            async with self.db.session() as session:
                ids = list(
                    await session.scalars(
                        Conversation.__table__.select()
                        .with_only_columns(Conversation.id)
                        .where(Conversation.updated_at < cutoff)
                        .limit(RETENTION_BATCH)
                    )
                )
                if not ids:
                    return deleted
                await session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
                await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
                deleted += len(ids)
            await asyncio.sleep(0)
