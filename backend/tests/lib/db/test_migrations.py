"""The schema comes from the migrations alone, on both databases, and matches the models."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from lib.conversations.repository import ConversationRepository
from lib.db.database import Database
from tests.backend_process import BACKEND_DIR, hermetic_env


async def test_upgrade_from_empty_makes_every_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"conversations", "messages", "usage_daily", "users", "alembic_version"} <= tables
    if database.dialect == "sqlite":
        assert {"message_fts", "conversation_fts"} <= tables


async def test_alembic_check_finds_no_drift_between_models_and_migrations(
    database: Database, database_url: str
) -> None:
    result = subprocess.run(  # noqa: ASYNC221  # the CLI as a developer runs it
        [sys.executable, "-m", "alembic", "check"],
        cwd=BACKEND_DIR,
        env=hermetic_env({"DATABASE_URL": database_url}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    from lib.db.migrate import migrate

    await migrate(database)
    await migrate(database)


async def test_sqlite_search_has_prefix_indexes_and_keeps_what_was_indexed_before(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/before.db"

    def alembic(*args: str) -> None:
        subprocess.run(  # the CLI as a developer runs it
            [sys.executable, "-m", "alembic", *args],
            cwd=BACKEND_DIR,
            env=hermetic_env({"DATABASE_URL": url}),
            capture_output=True,
            check=True,
        )

    alembic("upgrade", "0003")
    database = Database(url)
    try:
        async with database.session() as session:
            repository = ConversationRepository(session, "anon_m")
            conversation = await repository.create("Zebra notes", "user")
        alembic("upgrade", "head")
        async with database.engine.connect() as connection:
            schema = (
                await connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'conversation_fts'")
                )
            ).scalar_one()
            assert "prefix='2 3'" in schema
            # Rebuilt from the table: what was there before the migration is still found.
            found = (
                (
                    await connection.execute(
                        text(
                            "SELECT rowid FROM conversation_fts WHERE conversation_fts MATCH 'ze*'"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert found == [conversation.seq]
    finally:
        await database.close()
