"""Alembic's entry: migrations run on the service's own async engine (DATABASE_URL).

lib/db/migrate.py hands over an open connection (config.attributes["connection"]) so that the
migration runs inside the lock it holds; the alembic command line opens its own.
"""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from lib.db.database import create_engine
from lib.db.models import Base
from lib.settings import load_settings

# Made by hand per database in the migrations (lib/db/models.py says why): not drift.
SEARCH_TABLE_PREFIXES = ("message_fts", "conversation_fts")
SEARCH_COLUMNS = {"search_vector"}
SEARCH_INDEXES = {"ix_messages_search", "ix_conversations_search"}


def include_object(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    if kind == "table" and name and name.startswith(SEARCH_TABLE_PREFIXES):
        return False
    if kind == "column" and name in SEARCH_COLUMNS:
        return False
    return not (kind == "index" and name in SEARCH_INDEXES)


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(load_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_online())
