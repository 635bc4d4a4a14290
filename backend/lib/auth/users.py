"""The users table: who signed in, as the provider last described them.

Users are not owned data (nobody owns a user), so this repository takes no owner; what a user
owns is found through their owner id (lib/owners/owner.py).
"""

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lib.auth.id_token import Identity
from lib.db.models import User
from lib.owners.owner import user_id_of


def new_user_id() -> str:
    return secrets.token_hex(16)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sign_in(self, identity: Identity, now: datetime | None = None) -> User:
        """The user of this (issuer, subject), made on the first sign-in; email and name as the
        provider says today. One statement, so two first sign-ins at once make one row."""
        now = now or datetime.now(UTC)
        dialect = self.session.get_bind().dialect.name
        insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(User).values(
            id=new_user_id(),
            issuer=identity.issuer,
            subject=identity.subject,
            email=identity.email,
            email_verified=identity.email_verified,
            name=identity.name,
            created_at=now,
            last_sign_in_at=now,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["issuer", "subject"],
            set_={
                "email": insert.excluded.email,
                "email_verified": insert.excluded.email_verified,
                "name": insert.excluded.name,
                "last_sign_in_at": insert.excluded.last_sign_in_at,
            },
        )
        await self.session.execute(statement)
        user = await self.session.scalar(
            select(User)
            .where(User.issuer == identity.issuer, User.subject == identity.subject)
            .execution_options(populate_existing=True)
        )
        if user is None:  # written by the statement above, in this very transaction
            raise RuntimeError("the signed-in user's row is missing")
        return user

    async def get(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def by_ids(self, user_ids: list[str]) -> dict[str, User]:
        if not user_ids:
            return {}
        rows = await self.session.scalars(select(User).where(User.id.in_(user_ids)))
        return {user.id: user for user in rows}


async def describe_owners(session: AsyncSession, owners: list[str]) -> dict[str, dict[str, Any]]:
    """{owner id: {"id", "email", "name"}} for the owners that are users (admins' usage view)."""
    ids = {owner: user_id for owner in owners if (user_id := user_id_of(owner)) is not None}
    users = await UserRepository(session).by_ids(list(ids.values()))
    return {
        owner: {"id": user.id, "email": user.email, "name": user.name}
        for owner, user_id in ids.items()
        if (user := users.get(user_id)) is not None
    }
