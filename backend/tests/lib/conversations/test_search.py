"""Word search pages against the plain definition: the conversations whose title or one message
holds every word (the last as a prefix), newest first, page after page.

The data is made to defeat shortcuts: messages are written in an order unrelated to their
conversations' order (as imports and replies to old conversations do), several conversations
share an updated_at, and the SQLite search reads in tiny chunks and batches, so that both of
its ways and their hand-over are exercised.
"""

import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import insert

from lib.conversations import sqlite_search
from lib.conversations.pages import PageKey
from lib.conversations.repository import ConversationRepository, utcnow
from lib.db.database import Database
from lib.db.models import Conversation, Message

VOCABULARY = [
    "tea", "teapot", "team", "coffee", "cocoa", "lisbon", "porto", "custard", "tart",
    "tartan", "river", "bridge", "train", "ticket", "harbour", "night",
]  # fmt: skip
QUERIES = [
    ["tea"],
    ["te"],
    ["tart"],
    ["coffee", "tea"],
    ["lisbon", "po"],
    ["harbour"],
    ["nothing"],
    ["river", "bridge", "train"],
]


@dataclass
class Made:
    id: str
    title: str
    texts: list[str] = field(default_factory=list)


def holds(text: str, words: list[str]) -> bool:
    tokens = re.findall(r"\w+", text.lower())
    return all(word in tokens for word in words[:-1]) and any(
        token.startswith(words[-1]) for token in tokens
    )


async def fill(database: Database, owner: str, seed: int) -> dict[str, Made]:
    rng = random.Random(seed)
    tag = secrets.token_hex(4)
    now = utcnow()
    made: dict[str, Made] = {}
    conversations, messages = [], []
    for index in range(90):
        cid = f"conv_{tag}{index:024x}"
        # Every fifth shares its moment with the one before: the id breaks the tie.
        moment = now - timedelta(minutes=index - index % 5 // 4)
        title = " ".join(rng.choices(VOCABULARY[4:], k=rng.randint(0, 2)))
        made[cid] = Made(cid, title)
        conversations.append(
            {
                "id": cid,
                "owner": owner,
                "title": title,
                "title_source": "user",
                "created_at": moment,
                "updated_at": moment,
            }
        )
        # The common word is in most conversations, the rest are rarer.
        common = rng.random() < 0.7
        for m in range(rng.randint(0, 6)):
            words = rng.choices(VOCABULARY[3:], k=rng.randint(1, 6))
            if common and rng.random() < 0.5:
                words.append(rng.choice(VOCABULARY[:3]))
            text = " ".join(words)
            made[cid].texts.append(text)
            messages.append(
                {
                    "id": f"msg_{tag}{index:016x}{m:08x}",
                    "conversation_id": cid,
                    "owner": owner,
                    "role": "user",
                    "status": "completed",
                    "items": [],
                    "text": text,
                    "created_at": moment,
                    "updated_at": moment,
                }
            )
    rng.shuffle(messages)
    async with database.session() as session:
        await session.execute(insert(Conversation), conversations)
        for start in range(0, len(messages), 50):
            await session.execute(insert(Message), messages[start : start + 50])
    return made


@pytest.fixture(params=["tiny steps", "as shipped"])
def steps(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.param == "tiny steps":
        monkeypatch.setattr(sqlite_search, "FIRST_CHUNK", 3)
        monkeypatch.setattr(sqlite_search, "FIRST_BATCH", 2)
        monkeypatch.setattr(sqlite_search, "SPAN_GAP", 1)
        monkeypatch.setattr(sqlite_search, "SPANS_PER_STATEMENT", 3)


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_page_of_a_search_is_exactly_the_matching_conversations_newest_first(
    database: Database, steps: None, seed: int
) -> None:
    owner = f"search_owner_{secrets.token_hex(4)}"
    made = await fill(database, owner, seed)
    await fill(database, f"someone_else_{secrets.token_hex(4)}", seed + 100)
    async with database.session() as session:
        order = {
            c.id: i
            for i, c in enumerate(
                await ConversationRepository(session, owner).list_page(1000, None)
            )
        }
    for words in QUERIES:
        expected = sorted(
            (
                c.id
                for c in made.values()
                if holds(c.title, words) or any(holds(t, words) for t in c.texts)
            ),
            key=order.__getitem__,
        )
        found: list[str] = []
        after: PageKey | None = None
        for _ in range(100):
            async with database.session() as session:
                hits = await ConversationRepository(session, owner).search_page(words, 7, after)
            for conversation, text in hits:
                mine = made[conversation.id]
                if text is None:
                    assert holds(mine.title, words), (words, mine)
                else:
                    assert text in mine.texts and holds(text, words), (words, text)
            found += [conversation.id for conversation, _ in hits]
            if len(hits) < 7:
                break
            after = PageKey(hits[-1][0].updated_at, hits[-1][0].id)
        assert found == expected, words
