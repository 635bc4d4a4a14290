"""The schema comes from the migrations alone, on both databases, and matches the models."""

import subprocess
import sys

from sqlalchemy import inspect

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
