"""Who made each OpenAI object: vector stores, files and code interpreter containers.

They all live under the server's one OpenAI key, so OpenAI would hand any of them to anyone who
knows the id. Each is recorded for the owner it was made for, and every route that takes an id
answers another owner's exactly as it answers an id that does not exist: 404.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lib.db.database import Database
from lib.db.models import OwnedResource
from lib.errors import NotFound
from lib.openai.tools import ToolsState
from lib.resources.mentions import Kind, Mentions

_WORDS: Final[dict[Kind, str]] = {
    "vector_store": "vector store",
    "file": "file",
    "container": "code interpreter container",
    "container_file": "code interpreter file",
}


def input_file_checks(items: Iterable[Any], field: str) -> list["Check"]:
    """The files a turn's input items point at (`input_file`, `input_image` by `file_id`)."""
    checks = []
    for index, item in enumerate(items):
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, list):
            continue
        for part_index, part in enumerate(content):
            file_id = part.get("file_id") if isinstance(part, dict) else None
            if isinstance(file_id, str):
                where = f"{field}[{index}].content[{part_index}].file_id"
                checks.append(Check(where, "file", file_id))
    return checks


def tools_checks(state: ToolsState) -> list["Check"]:
    store = state.vectorStore
    if state.fileSearchEnabled and store is not None and store.id.strip():
        return [Check("toolsState.vectorStore.id", "vector_store", store.id)]
    return []


@dataclass(frozen=True)
class Check:
    """An id a request names, where it names it, and what it should be."""

    field: str
    kind: Kind
    resource_id: str


class Resources:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(self, owner: str, kind: Kind, resource_ids: Iterable[str]) -> None:
        """Marks the ids as the owner's. An id already recorded keeps its first owner."""
        await self.record_mentions(owner, {kind: set(resource_ids)})

    async def record_mentions(self, owner: str, mentions: Mentions) -> None:
        if not owner:
            raise ValueError("a resource needs an owner")
        now = datetime.now(UTC)
        rows = [
            {"id": resource_id, "kind": kind, "owner": owner, "created_at": now}
            for kind, ids in mentions.items()
            for resource_id in sorted(ids)
        ]
        if not rows:
            return
        insert = sqlite_insert if self._database.dialect == "sqlite" else pg_insert
        statement = insert(OwnedResource).values(rows).on_conflict_do_nothing(index_elements=["id"])
        async with self._database.session() as session:
            await session.execute(statement)

    async def owned(self, owner: str, resource_ids: Iterable[str]) -> set[str]:
        ids = set(resource_ids)
        if not ids:
            return set()
        async with self._database.session() as session:
            query = select(OwnedResource.id).where(
                OwnedResource.owner == owner, OwnedResource.id.in_(ids)
            )
            return set(await session.scalars(query))

    async def require(self, owner: str, *checks: "Check") -> None:
        """A 404 naming the first field whose id is not the owner's."""
        mine = await self.owned(owner, (check.resource_id for check in checks))
        for check in checks:
            if check.resource_id not in mine:
                raise NotFound(f"{check.field}: no {_WORDS[check.kind]} {check.resource_id} here.")
