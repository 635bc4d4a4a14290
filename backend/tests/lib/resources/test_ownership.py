"""The owners of OpenAI objects, on each database."""

import uuid

import pytest

from lib.db.database import Database
from lib.errors import NotFound
from lib.resources.ownership import Check, Resources, input_file_checks


def fresh(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


async def test_an_object_is_its_first_owners_alone(database: Database) -> None:
    resources = Resources(database)
    alice, mallory, store = fresh("anon_"), fresh("anon_"), fresh("vs_")
    await resources.record(alice, "vector_store", [store])
    # Recording it again for someone else changes nothing: it keeps its first owner.
    await resources.record(mallory, "vector_store", [store])
    await resources.record(alice, "vector_store", [store])
    assert await resources.owned(alice, [store]) == {store}
    assert await resources.owned(mallory, [store]) == set()


async def test_require_names_the_first_field_that_is_not_the_owners(database: Database) -> None:
    resources = Resources(database)
    owner, store, file_id = fresh("anon_"), fresh("vs_"), fresh("file-")
    await resources.record_mentions(owner, {"vector_store": {store}})
    await resources.require(owner, Check("vectorStoreId", "vector_store", store))
    with pytest.raises(NotFound) as refused:
        await resources.require(
            owner,
            Check("vectorStoreId", "vector_store", store),
            Check("fileId", "file", file_id),
        )
    assert refused.value.message == f"fileId: no file {file_id} here."
    # Nothing named: nothing to refuse.
    await resources.require(owner)


async def test_an_owner_is_required(database: Database) -> None:
    with pytest.raises(ValueError):
        await Resources(database).record("", "file", [fresh("file-")])


def test_input_files_are_found_in_every_part_of_every_item() -> None:
    items = [
        {"role": "user", "content": "plain text has no files"},
        {"type": "function_call_output", "output": "{}"},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "two files"},
                {"type": "input_file", "file_id": "file-a"},
                {"type": "input_image", "file_id": "file-b"},
                {"type": "input_image", "image_url": "data:image/png;base64,AA=="},
            ],
        },
    ]
    checks = input_file_checks(items, "messages")
    assert checks == [
        Check("messages[2].content[1].file_id", "file", "file-a"),
        Check("messages[2].content[2].file_id", "file", "file-b"),
    ]
