"""The tables. Their schema changes only through Alembic (backend/migrations/).

Every row of owned data carries its owner, and every query of it goes through a repository
that takes the owner (lib/conversations/repository.py), so no route can forget it.

The search structures (SQLite FTS5 tables and their triggers, PostgreSQL tsvector columns and
GIN indexes) differ by database and live in the migrations alone; migrations/env.py keeps
`alembic check` from reporting them as drift.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite has no BIGINT autoincrement; both get an integer primary key that grows.
SEQ = BigInteger().with_variant(Integer(), "sqlite")
ID_LENGTH = 40
OWNER_LENGTH = 64
RESOURCE_ID_LENGTH = 220


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite too (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_owner_updated", "owner", "updated_at", "id"),)

    # The row number the search index points at; `id` is what the API shows.
    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    title: Mapped[str] = mapped_column(String(200), default="")
    # "user" once a person named it: generated titles never replace that.
    title_source: Mapped[str] = mapped_column(String(16), default="none")
    current_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "seq"),
        Index("ix_messages_status", "status"),
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    conversation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    parent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Responses API items: the input items of a user message, the output items of an answer.
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    input_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    cached_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    output_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    reasoning_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    total_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    cost_usd: Mapped[float | None] = mapped_column(Float, default=None)
    # Why an answer failed or was cut short: {"type", "code", "message"}, as its error frame said.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While `streaming`: the last sign of life of the worker that runs the turn.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    worker_id: Mapped[str | None] = mapped_column(String(64), default=None)


class OwnedResource(Base):
    """An OpenAI object made for an owner under the server's one key; only its owner may use it.

    OpenAI ids carry their kind in their prefix and are unique, so the id alone is the key.
    """

    __tablename__ = "owned_resources"
    __table_args__ = (Index("ix_owned_resources_owner", "owner"),)

    id: Mapped[str] = mapped_column(String(RESOURCE_ID_LENGTH), primary_key=True)
    # "vector_store", "file" or "container".
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UsageDaily(Base):
    """Tokens and cost per owner, UTC day and model. No content: it outlives conversations."""

    __tablename__ = "usage_daily"

    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    turns: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A person who signed in: one row per subject of a provider (its issuer), whatever their
    email becomes. What they own carries the owner id `user_<id>` (lib/owners/owner.py)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # As the provider last said, at each sign-in; None when it gave none.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    # None: the provider did not say (some never do), which is not the same as false.
    email_verified: Mapped[bool | None] = mapped_column(Boolean, default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
