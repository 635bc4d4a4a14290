"""Prefix indexes for word search on SQLite: `w1*` of search-as-you-type reads one list.

Without them FTS5 expands a short prefix to every word it starts (a thousand for two letters in
a large history) and merges their lists; with `prefix='2 3'` the two- and three-letter prefixes
have lists of their own. PostgreSQL's GIN index answers prefixes as it is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
# (table, indexed column, content table): the triggers of 0001 keep each in step by name.
TABLES = (("message_fts", "text", "messages"), ("conversation_fts", "title", "conversations"))


def _recreate(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, content in TABLES:
        op.execute(f"DROP TABLE {table}")
        op.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5({column}, content='{content}',"
            f" content_rowid='seq', {TOKENIZE}{options})"
        )
        # Names from TABLES above, never input.
        op.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608


def upgrade() -> None:
    _recreate(", prefix='2 3'")


def downgrade() -> None:
    _recreate("")
