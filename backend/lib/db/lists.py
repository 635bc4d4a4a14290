"""`column IN (values)` that stays one statement however many values there are."""

from typing import Any

from sqlalchemy import String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement


def one_of(column: Any, values: list[str], dialect: str) -> ColumnElement[bool]:
    """On PostgreSQL `= ANY($1)` with an array: asyncpg prepares every distinct statement it
    is sent, and an IN list of each length is a distinct statement (a prepare round trip per
    batch size, measured as 8% of a worker's CPU under load). SQLite's IN is fine as it is."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
