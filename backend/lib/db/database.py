"""The database of conversations: one async engine per process, SQLite or PostgreSQL.

SQLite (the default) serves one machine: WAL so readers never wait for the writer, a busy
timeout so a second writer waits instead of failing, foreign keys on. PostgreSQL serves several
machines. Either way a database that does not answer fails the request within
CONNECT_TIMEOUT_SECONDS (503), instead of holding it.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from lib.errors import ServiceUnavailable
from lib.settings import BACKEND_DIR

# A request waits at most this long for a connection before the route answers 503.
CONNECT_TIMEOUT_SECONDS = 2.0
SQLITE_BUSY_TIMEOUT_MS = 5000
DATABASE_DOWN = "The conversation database is not reachable right now; try again shortly."
DATABASE_BUSY = "The conversation database is too busy right now; try again shortly."


def resolve_url(url: str) -> str:
    """`sqlite+aiosqlite:///data/app.db` is relative to backend/, wherever the process started."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url
    path = Path(parsed.database)
    if not path.is_absolute():
        path = BACKEND_DIR / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    url = resolve_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        # One connection, so one writer: SQLite takes one at a time anyway, and writers on
        # connections of their own would wait on its file lock by sleeping and retrying.
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS, "command_timeout": 30},
    )


class Database:
    def __init__(self, url: str) -> None:
        self.url = resolve_url(url)
        self.engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back when it raises.

        A database that cannot be reached is a 503 for the route, never a 500.
        """
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_unreachable(exc):
                raise ServiceUnavailable(DATABASE_DOWN) from None
            raise
        except (OSError, TimeoutError):
            raise ServiceUnavailable(DATABASE_DOWN) from None
        except PoolTimeoutError:
            # Every connection busy for longer than the pool waits: a burst, not a fault.
            raise ServiceUnavailable(DATABASE_BUSY) from None

    async def close(self) -> None:
        await self.engine.dispose()


# What SQLite says when its file cannot be used, and asyncpg's errors of a connection that
# failed or broke: the database's state, not a fault of the query.
_UNREACHABLE_WORDS = ("unable to open database", "database is locked", "disk i/o error")
_UNREACHABLE_ERRORS = {
    "ConnectionDoesNotExistError",
    "CannotConnectNowError",
    "ConnectionFailureError",
}


def _is_unreachable(exc: DBAPIError) -> bool:
    original = exc.orig
    if isinstance(original, (OSError, TimeoutError)):
        return True
    if type(original).__name__ in _UNREACHABLE_ERRORS:
        return True
    return any(words in str(original).lower() for words in _UNREACHABLE_WORDS)
