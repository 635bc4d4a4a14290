"""Conversations, their messages (a tree), daily usage, and word search over both.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)

# SQLite: FTS5 tables whose content stays in the real tables (external content). Triggers keep
# them in step, and FTS5 wants the old text back through its 'delete' command to unindex a row.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(text, content='messages', content_rowid='seq',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO message_fts(rowid, text) VALUES (new.seq, new.text); END",
    "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.seq, old.text); END",
    "CREATE TRIGGER messages_au AFTER UPDATE OF text ON messages BEGIN"
    " INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.seq, old.text);"
    " INSERT INTO message_fts(rowid, text) VALUES (new.seq, new.text); END",
    "CREATE VIRTUAL TABLE conversation_fts USING fts5(title, content='conversations',"
    " content_rowid='seq', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER conversations_ai AFTER INSERT ON conversations BEGIN"
    " INSERT INTO conversation_fts(rowid, title) VALUES (new.seq, new.title); END",
    "CREATE TRIGGER conversations_ad AFTER DELETE ON conversations BEGIN"
    " INSERT INTO conversation_fts(conversation_fts, rowid, title)"
    " VALUES ('delete', old.seq, old.title); END",
    "CREATE TRIGGER conversations_au AFTER UPDATE OF title ON conversations BEGIN"
    " INSERT INTO conversation_fts(conversation_fts, rowid, title)"
    " VALUES ('delete', old.seq, old.title);"
    " INSERT INTO conversation_fts(rowid, title) VALUES (new.seq, new.title); END",
]

# PostgreSQL: a generated tsvector per table, indexed with GIN. 'simple' keeps every word as
# written (lower-cased), whatever the language of the conversation.
POSTGRES_SEARCH = [
    "ALTER TABLE messages ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED",
    "CREATE INDEX ix_messages_search ON messages USING gin (search_vector)",
    "ALTER TABLE conversations ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, ''))) STORED",
    "CREATE INDEX ix_conversations_search ON conversations USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_source", sa.String(16), nullable=False),
        sa.Column("current_message_id", sa.String(40), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index(
        "ix_conversations_owner_updated", "conversations", ["owner", "updated_at", "id"]
    )
    op.create_table(
        "messages",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "conversation_id",
            sa.String(40),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.String(40), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model", sa.String(100), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("cached_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        sa.Column("reasoning_tokens", sa.Integer(), nullable=True),
        sa.Column("total_tokens", sa.Integer(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("worker_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "seq"])
    op.create_index("ix_messages_status", "messages", ["status"])
    op.create_table(
        "usage_daily",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("model", sa.String(100), primary_key=True),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cached_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("reasoning_tokens", sa.BigInteger(), nullable=False),
        sa.Column("total_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
    )
    search = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in search:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("messages_ai", "messages_ad", "messages_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in ("conversations_ai", "conversations_ad", "conversations_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS message_fts")
        op.execute("DROP TABLE IF EXISTS conversation_fts")
    op.drop_table("usage_daily")
    op.drop_table("messages")
    op.drop_table("conversations")
