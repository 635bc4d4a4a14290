"""What a browser made anonymously becomes its user's at sign-in (docs/api.md, Sign-in).

One transaction moves every table of owned data, so a failure leaves it all where it was.
Conversation, message and OpenAI object ids (vector stores, files, containers) are unique
everywhere, so they move as they are; usage is a row per (owner, day, model), so the anonymous
rows are added to the user's.
"""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from lib.db.models import Conversation, Message, OwnedResource
from lib.usage.repository import UsageRepository

# Tables whose rows carry an `owner` and move as they are. A new table of owned data belongs
# here (tests/lib/owners/test_transfer.py fails until it is).
MOVED_AS_THEY_ARE = (Conversation, Message, OwnedResource)


async def move_owned_data(session: AsyncSession, from_owner: str, to_owner: str) -> None:
    if not from_owner or not to_owner or from_owner == to_owner:
        raise ValueError("moving owned data needs two different owners")
    for model in MOVED_AS_THEY_ARE:
        await session.execute(update(model).where(model.owner == from_owner).values(owner=to_owner))
    await UsageRepository(session, to_owner).take_over(from_owner)
