"""Word search on SQLite that reads no more of a word's matches than one page needs.

Collecting every match and then keeping the 30 newest conversations is cheap for a rare word
and slow for a common one: 125,000 matches of one word at 200,000 messages took about 100 ms.
Two ways to the same exact page take turns, each a little further every round, and the first
to finish answers:

- Matches, newest message first, in growing chunks. When the last chunk comes back short,
  every match has been read, and the page is the newest of their conversations. This finishes
  first for a rare word.
- Conversations, newest first, in growing batches, each settled as matching or not. One that
  had a match among the chunks read matches. Any other can only match in a message older than
  those chunks, and reading the word's matches over the spans of those older messages settles
  it. Once a page of them match, it is the page. This finishes first for a common word.

Conversations do not sort by the age of their messages (an import keeps old messages, a reply
moves an old conversation up), so neither way may assume it. Titles are looked up the same two
ways: for each batch of the walk, and all at once when the chunks run out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from lib.conversations import pages
from lib.conversations.pages import PageKey
from lib.db.models import Conversation, Message

FIRST_CHUNK = 512
CHUNK_GROWTH = 4
FIRST_BATCH = 64
BATCH_GROWTH = 2
# Keeps the batch's IN lists far below SQLite's limit of bound values per statement.
MAX_BATCH = 4096
# Messages further apart than this are read as two spans: reading the other conversations'
# matches between them costs more than one more start of the full-text index.
SPAN_GAP = 64
# SQLite allows 500 SELECTs in one compound statement; three values each.
SPANS_PER_STATEMENT = 200

_message_fts = table("message_fts", column("rowid", Integer))
_conversation_fts = table("conversation_fts", column("rowid", Integer))
_MESSAGE_MATCH = text("message_fts MATCH :q")
_TITLE_MATCH = text("conversation_fts MATCH :q")


@dataclass
class _Hit:
    seq: int
    updated_at: datetime
    id: str
    # The newest matching message found, for the snippet; None when only the title matched.
    message_seq: int | None


class SqliteSearch:
    def __init__(
        self, session: AsyncSession, owner: str, match: str, after: PageKey | None
    ) -> None:
        self.session = session
        self.owner = owner
        self.match = match
        self.after = after
        # Conversations known to match, by seq.
        self.hits: dict[int, _Hit] = {}
        # Every match in a message at or above `floor` has been read.
        self.floor: int | None = None
        # The walk: conversations settled so far, in order, and the last of them.
        self.walked: list[_Hit] = []
        self.walked_to: PageKey | None = after

    async def page(self, limit: int) -> list[tuple[Conversation, str | None]]:
        """The first `limit` matching conversations after the cursor, newest first, each with
        the text of one matching message (None when only its title matches)."""
        chunk, batch = FIRST_CHUNK, FIRST_BATCH
        while True:
            if await self._read_chunk(chunk):
                await self._read_titles()
                newest = sorted(self.hits.values(), key=_order, reverse=True)
                return await self._load(newest[:limit])
            if await self._walk(batch, limit):
                return await self._load(self.walked[:limit])
            chunk *= CHUNK_GROWTH
            batch = min(batch * BATCH_GROWTH, MAX_BATCH)

    def _mine(self, after: PageKey | None) -> tuple[ColumnElement[bool], ...]:
        return (
            Conversation.owner == self.owner,
            pages.after(after) if after is not None else true(),
        )

    def _found(self, seq: int, updated_at: datetime, conversation_id: str, message: int) -> None:
        hit = self.hits.get(seq)
        if hit is None:
            self.hits[seq] = _Hit(seq, updated_at, conversation_id, message)
        elif hit.message_seq is None:
            hit.message_seq = message

    async def _read_titles(self) -> None:
        """Adds every conversation whose title matches."""
        titled = select(_conversation_fts.c.rowid).where(_TITLE_MATCH)
        query = (
            select(Conversation.seq, Conversation.updated_at, Conversation.id)
            .where(*self._mine(self.after), Conversation.seq.in_(titled))
            .params(q=self.match)
        )
        for seq, updated_at, conversation_id in await self.session.execute(query):
            self.hits.setdefault(seq, _Hit(seq, updated_at, conversation_id, None))

    async def _read_chunk(self, chunk: int) -> bool:
        """Reads the next `chunk` matches, newest message first; True when none are left."""
        query = (
            select(_message_fts.c.rowid, Conversation.seq, Conversation.updated_at, Conversation.id)
            .select_from(_message_fts)
            .join(Message, Message.seq == _message_fts.c.rowid)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(_MESSAGE_MATCH, *self._mine(self.after))
            .order_by(_message_fts.c.rowid.desc())
            .limit(chunk)
            .params(q=self.match)
        )
        if self.floor is not None:
            query = query.where(_message_fts.c.rowid < self.floor)
        count = 0
        for message, seq, updated_at, conversation_id in await self.session.execute(query):
            self._found(seq, updated_at, conversation_id, message)
            self.floor = message
            count += 1
        return count < chunk

    async def _walk(self, batch: int, limit: int) -> bool:
        """Settles the next `batch` conversations in list order; True once the page is known."""
        query = (
            select(Conversation.seq, Conversation.updated_at, Conversation.id)
            .where(*self._mine(self.walked_to))
            .order_by(*pages.NEWEST_FIRST)
            .limit(batch)
        )
        rows = (await self.session.execute(query)).all()
        unsettled = {
            conversation_id: (seq, updated_at)
            for seq, updated_at, conversation_id in rows
            if seq not in self.hits
        }
        if unsettled:
            await self._read_spans(unsettled)
            await self._read_titles_of(unsettled)
        for seq, updated_at, conversation_id in rows:
            if seq in self.hits:
                self.walked.append(self.hits[seq])
            self.walked_to = PageKey(updated_at, conversation_id)
        return len(rows) < batch or len(self.walked) >= limit

    async def _read_spans(self, unsettled: dict[str, tuple[int, datetime]]) -> None:
        """Finds the matches of these conversations below the floor: they have none above."""
        older = (
            select(Message.seq)
            .where(Message.conversation_id.in_(list(unsettled)))
            .order_by(Message.seq)
        )
        if self.floor is not None:
            older = older.where(Message.seq < self.floor)

        def matches_in(first: int, last: int) -> Select[Any]:
            return (
                select(Message.conversation_id, _message_fts.c.rowid)
                .select_from(_message_fts)
                .join(Message, Message.seq == _message_fts.c.rowid)
                .where(_MESSAGE_MATCH, _message_fts.c.rowid.between(first, last))
            )

        spans = _spans(list(await self.session.scalars(older)))
        for conversation_id, message in await self._in_spans(spans, matches_in):
            # A span holds other conversations' messages too.
            if conversation_id in unsettled:
                seq, updated_at = unsettled[conversation_id]
                self._found(seq, updated_at, conversation_id, message)

    async def _read_titles_of(self, conversations: dict[str, tuple[int, datetime]]) -> None:
        """Finds which of these conversations whose messages do not match have a title that
        does, by the spans of their seqs."""
        unsettled = {
            seq: (updated_at, conversation_id)
            for conversation_id, (seq, updated_at) in conversations.items()
            if seq not in self.hits
        }

        def matches_in(first: int, last: int) -> Select[Any]:
            return select(_conversation_fts.c.rowid).where(
                _TITLE_MATCH, _conversation_fts.c.rowid.between(first, last)
            )

        for (seq,) in await self._in_spans(_spans(sorted(unsettled)), matches_in):
            if seq in unsettled:
                updated_at, conversation_id = unsettled[seq]
                self.hits[seq] = _Hit(seq, updated_at, conversation_id, None)

    async def _in_spans(
        self, spans: list[tuple[int, int]], matches_in: Callable[[int, int], Select[Any]]
    ) -> list[Any]:
        """The rows of `matches_in` over every span, a few hundred spans per statement."""
        rows: list[Any] = []
        for start in range(0, len(spans), SPANS_PER_STATEMENT):
            selects = [matches_in(*span) for span in spans[start : start + SPANS_PER_STATEMENT]]
            statement = selects[0] if len(selects) == 1 else union_all(*selects)
            rows += (await self.session.execute(statement.params(q=self.match))).all()
        return rows

    async def _load(self, page: list[_Hit]) -> list[tuple[Conversation, str | None]]:
        if not page:
            return []
        by_seq = {
            conversation.seq: conversation
            for conversation in await self.session.scalars(
                select(Conversation).where(Conversation.seq.in_([hit.seq for hit in page]))
            )
        }
        wanted = [hit.message_seq for hit in page if hit.message_seq is not None]
        texts: dict[int, str] = {}
        if wanted:
            rows = await self.session.execute(
                select(Message.seq, Message.text).where(Message.seq.in_(wanted))
            )
            texts = {seq: message_text for seq, message_text in rows}
        return [
            (by_seq[hit.seq], None if hit.message_seq is None else texts.get(hit.message_seq))
            for hit in page
        ]


def _order(hit: _Hit) -> tuple[datetime, str]:
    return (hit.updated_at, hit.id)


def _spans(seqs: list[int]) -> list[tuple[int, int]]:
    """Sorted message seqs as (first, last) spans, split where they are far apart."""
    spans: list[tuple[int, int]] = []
    for seq in seqs:
        if spans and seq - spans[-1][1] <= SPAN_GAP:
            spans[-1] = (spans[-1][0], seq)
        else:
            spans.append((seq, seq))
    return spans
