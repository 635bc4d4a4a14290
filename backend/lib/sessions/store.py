"""Where sessions live on the server: a small key-value interface with expiry, three backends.

`SESSION_STORE_URL` chooses one: `memory://` (one process, lost on restart),
`sqlite:///relative/to/backend.db` or `sqlite:////absolute.db` (the default; survives restarts,
shared by the processes of one machine) and `redis://host:port/db` (shared by many machines).
Values are opaque bytes: encryption happens a layer above (lib/sessions/sessions.py), so no
backend ever holds a token in the clear.

Every operation gives up after OPERATION_TIMEOUT and raises StoreUnavailableError
(docs/api.md, Sessions: a frozen Redis must not freeze requests).
"""

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiosqlite
import redis.asyncio as redis_asyncio
import redis.exceptions

from lib.server.metrics import SESSION_STORE_ERRORS

logger = logging.getLogger(__name__)

# docs/api.md, Sessions: at most 2 s per store operation.
OPERATION_TIMEOUT = 2.0

T = TypeVar("T")


class StoreUnavailableError(Exception):
    """The store did not answer (down, frozen, unreadable); callers turn this into a 503."""


class SessionStore(ABC):
    """Byte values under string keys, each with a time to live in seconds."""

    async def get(self, key: str, *, extend_ttl: float | None = None) -> bytes | None:
        """The value, or None; `extend_ttl` restarts its clock (sliding expiry of unused data)."""
        return await self._run("get", self._get(key, extend_ttl))

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._run("set", self._set(key, value, ttl))

    async def add(self, key: str, value: bytes, ttl: float) -> bool:
        """Set only when absent (or expired); True when this call set it. Locks are built on it."""
        return await self._run("add", self._add(key, value, ttl))

    async def take(self, key: str) -> bytes | None:
        """Read and delete in one step, so a one-time value (OAuth state) is used at most once."""
        return await self._run("take", self._take(key))

    async def delete(self, key: str, *, only_if: bytes | None = None) -> None:
        """Delete; with `only_if`, only while the value is still that (releasing one's own lock)."""
        await self._run("delete", self._delete(key, only_if))

    async def ping(self) -> None:
        await self._run("ping", self._ping())

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._close(), OPERATION_TIMEOUT)

    async def _run(self, name: str, operation: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(operation, OPERATION_TIMEOUT)
        except StoreUnavailableError:
            SESSION_STORE_ERRORS.labels(operation=name).inc()
            raise
        except (TimeoutError, OSError, redis.exceptions.RedisError, aiosqlite.Error) as exc:
            SESSION_STORE_ERRORS.labels(operation=name).inc()
            raise StoreUnavailableError(
                f"{self.describe()} did not answer ({type(exc).__name__})"
            ) from None

    @abstractmethod
    def describe(self) -> str: ...

    @abstractmethod
    async def _get(self, key: str, extend_ttl: float | None) -> bytes | None: ...

    @abstractmethod
    async def _set(self, key: str, value: bytes, ttl: float) -> None: ...

    @abstractmethod
    async def _add(self, key: str, value: bytes, ttl: float) -> bool: ...

    @abstractmethod
    async def _take(self, key: str) -> bytes | None: ...

    @abstractmethod
    async def _delete(self, key: str, only_if: bytes | None) -> None: ...

    async def _ping(self) -> None:
        return None

    async def _close(self) -> None:
        return None


class MemoryStore(SessionStore):
    """One process only; for development and tests."""

    # Expired entries are dropped when read, and all of them every this many writes, so memory
    # does not grow with sessions nobody comes back to.
    _SWEEP_EVERY = 1000

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._writes = 0

    def describe(self) -> str:
        return "The in-memory session store"

    def _live(self, key: str) -> tuple[bytes, float] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] <= time.monotonic():
            del self._data[key]
            return None
        return entry

    def _write(self, key: str, value: bytes, ttl: float) -> None:
        self._writes += 1
        if self._writes % self._SWEEP_EVERY == 0:
            now = time.monotonic()
            for stale in [k for k, (_, expires) in self._data.items() if expires <= now]:
                del self._data[stale]
        self._data[key] = (value, time.monotonic() + ttl)

    async def _get(self, key: str, extend_ttl: float | None) -> bytes | None:
        entry = self._live(key)
        if entry is None:
            return None
        if extend_ttl is not None:
            self._data[key] = (entry[0], time.monotonic() + extend_ttl)
        return entry[0]

    async def _set(self, key: str, value: bytes, ttl: float) -> None:
        self._write(key, value, ttl)

    async def _add(self, key: str, value: bytes, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._write(key, value, ttl)
        return True

    async def _take(self, key: str) -> bytes | None:
        entry = self._live(key)
        self._data.pop(key, None)
        return entry[0] if entry else None

    async def _delete(self, key: str, only_if: bytes | None) -> None:
        entry = self._live(key)
        if entry is not None and (only_if is None or entry[0] == only_if):
            del self._data[key]


class SqliteStore(SessionStore):
    """A file on this machine; aiosqlite runs the queries in its own thread, off the event loop."""

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS session_entries ("
        " key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL NOT NULL)"
    )
    _PURGE_EVERY = 500

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()
        # One connection per process: two coroutines must not both open a transaction on it.
        self._transaction = asyncio.Lock()
        self._writes = 0

    def describe(self) -> str:
        return "The SQLite session store"

    async def _db(self) -> aiosqlite.Connection:
        if self._connection is not None:
            return self._connection
        async with self._opening:
            if self._connection is None:
                await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
                # Autocommit (isolation_level=None): each statement stands alone unless wrapped
                # in BEGIN IMMEDIATE, which takes the write lock across processes at once.
                connection = await aiosqlite.connect(self.path, isolation_level=None)
                try:
                    # Several worker processes share the file: wait for a writer rather than fail.
                    await connection.execute(
                        f"PRAGMA busy_timeout = {int(OPERATION_TIMEOUT * 1000)}"
                    )
                    await connection.execute("PRAGMA journal_mode = WAL")
                    await connection.execute(self._SCHEMA)
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
        return self._connection

    async def _maybe_purge(self, db: aiosqlite.Connection) -> None:
        self._writes += 1
        if self._writes % self._PURGE_EVERY == 1:
            await db.execute("DELETE FROM session_entries WHERE expires_at <= ?", (time.time(),))

    async def _get(self, key: str, extend_ttl: float | None) -> bytes | None:
        db = await self._db()
        now = time.time()
        if extend_ttl is not None:
            await db.execute(
                "UPDATE session_entries SET expires_at = ? WHERE key = ? AND expires_at > ?",
                (now + extend_ttl, key, now),
            )
        async with db.execute(
            "SELECT value FROM session_entries WHERE key = ? AND expires_at > ?", (key, now)
        ) as cursor:
            row = await cursor.fetchone()
        return bytes(row[0]) if row else None

    async def _set(self, key: str, value: bytes, ttl: float) -> None:
        db = await self._db()
        await self._maybe_purge(db)
        await db.execute(
            "INSERT OR REPLACE INTO session_entries (key, value, expires_at) VALUES (?, ?, ?)",
            (key, value, time.time() + ttl),
        )

    async def _add(self, key: str, value: bytes, ttl: float) -> bool:
        db = await self._db()
        async with self._transaction:
            return await self._add_in_transaction(db, key, value, ttl)

    async def _add_in_transaction(
        self, db: aiosqlite.Connection, key: str, value: bytes, ttl: float
    ) -> bool:
        now = time.time()
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.execute(
                "DELETE FROM session_entries WHERE key = ? AND expires_at <= ?", (key, now)
            )
            cursor = await db.execute(
                "INSERT OR IGNORE INTO session_entries (key, value, expires_at) VALUES (?, ?, ?)",
                (key, value, now + ttl),
            )
            added = cursor.rowcount == 1
            await db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                await db.execute("ROLLBACK")
            raise
        return added

    async def _take(self, key: str) -> bytes | None:
        db = await self._db()
        async with db.execute(
            "DELETE FROM session_entries WHERE key = ? RETURNING value, expires_at", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[1] <= time.time():
            return None
        return bytes(row[0])

    async def _delete(self, key: str, only_if: bytes | None) -> None:
        db = await self._db()
        if only_if is None:
            await db.execute("DELETE FROM session_entries WHERE key = ?", (key,))
        else:
            await db.execute(
                "DELETE FROM session_entries WHERE key = ? AND value = ?", (key, only_if)
            )

    async def _ping(self) -> None:
        await self._db()

    async def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()


# Deletes the key only while it still holds the caller's value: releasing a lock that expired and
# was taken by someone else must not free theirs.
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore(SessionStore):
    """Shared by every process that points at the same Redis; Redis expires the keys itself."""

    _PREFIX = "chat-session:"

    def __init__(self, url: str) -> None:
        self._url = url
        self._client: Any = redis_asyncio.Redis.from_url(
            url,
            socket_timeout=OPERATION_TIMEOUT,
            socket_connect_timeout=OPERATION_TIMEOUT,
            # A retry would only stretch the 2 s budget; the next request reconnects anyway.
            retry_on_timeout=False,
            health_check_interval=30,
        )

    def describe(self) -> str:
        return "The Redis session store"

    def _key(self, key: str) -> str:
        return self._PREFIX + key

    async def _get(self, key: str, extend_ttl: float | None) -> bytes | None:
        if extend_ttl is not None:
            value = await self._client.getex(self._key(key), px=int(extend_ttl * 1000))
        else:
            value = await self._client.get(self._key(key))
        return bytes(value) if value is not None else None

    async def _set(self, key: str, value: bytes, ttl: float) -> None:
        await self._client.set(self._key(key), value, px=int(ttl * 1000))

    async def _add(self, key: str, value: bytes, ttl: float) -> bool:
        return bool(await self._client.set(self._key(key), value, px=int(ttl * 1000), nx=True))

    async def _take(self, key: str) -> bytes | None:
        value = await self._client.getdel(self._key(key))
        return bytes(value) if value is not None else None

    async def _delete(self, key: str, only_if: bytes | None) -> None:
        if only_if is None:
            await self._client.delete(self._key(key))
        else:
            await self._client.eval(_DELETE_IF_EQUAL, 1, self._key(key), only_if)

    async def _ping(self) -> None:
        await self._client.ping()

    async def _close(self) -> None:
        await self._client.aclose()


def sqlite_path(url: str, base_dir: Path) -> Path:
    """SQLAlchemy's convention: `sqlite:///rel.db` is relative, `sqlite:////abs.db` absolute."""
    rest = url[len("sqlite:///") :]
    if not rest:
        raise ValueError("names no file")
    path = Path(rest)
    return path if path.is_absolute() else base_dir / path


def validate_store_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if url == "memory://" or (scheme == "sqlite" and url.startswith("sqlite:///")):
        if scheme == "sqlite":
            sqlite_path(url, Path("."))
        return url
    if scheme in ("redis", "rediss") and urlsplit(url).hostname:
        return url
    raise ValueError(
        "must be memory://, sqlite:///relative.db, sqlite:////absolute.db or redis://host:port/db"
    )


def create_store(url: str, base_dir: Path) -> SessionStore:
    """The backend the URL names; nothing is opened until the first operation."""
    if url == "memory://":
        return MemoryStore()
    if url.startswith("sqlite:///"):
        return SqliteStore(sqlite_path(url, base_dir))
    return RedisStore(url)
