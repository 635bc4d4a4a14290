"""Bring the database's schema up to date: at start-up, and by hand with `make migrate`.

Several workers (and machines) start together, so only one migrates at a time: PostgreSQL's
advisory lock, or on SQLite a lock on a file beside the database. The others wait, then find
nothing left to do.
"""

import asyncio
import fcntl
import logging
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from lib.db.database import Database
from lib.settings import BACKEND_DIR, load_settings

logger = logging.getLogger(__name__)

# Any number shared by every process of this service: the key of the advisory lock.
_MIGRATION_LOCK_KEY = 0x636861745F6D6967  # "chat_mig"


def alembic_config() -> Config:
    return Config(str(BACKEND_DIR / "alembic.ini"))


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(database: Database) -> None:
    if database.dialect == "sqlite":
        path = Path(make_url(database.url).database or "app.db")
        lock = await asyncio.to_thread(_take_file_lock, path.with_name(path.name + ".migrate-lock"))
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(_upgrade)
        finally:
            await asyncio.to_thread(lock.close)
        return
    async with database.engine.connect() as connection:
        await connection.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
        )
        try:
            await connection.run_sync(_upgrade)
            await connection.commit()
        finally:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            await connection.commit()


def _take_file_lock(path: Path) -> TextIO:
    handle = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


async def _main() -> None:
    database = Database(load_settings().database_url)
    try:
        await migrate(database)
    finally:
        await database.close()
    logger.warning("The database is up to date.")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(_main())
