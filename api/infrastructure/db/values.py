"""Column values as the one row mapper of each table wants them, whether they come from asyncpg
(typed) or from PostgreSQL's JSON (`json_agg`, text): one mapper per table serves both."""

import json
from datetime import datetime
from typing import Any
from uuid import UUID


def as_datetime(value: datetime | str) -> datetime:
    # json_agg writes timestamptz as ISO 8601 with its offset, microseconds kept.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_uuid(value: UUID | str) -> UUID:
    return UUID(value) if isinstance(value, str) else value


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def column_list(columns: tuple[str, ...], alias: str = "") -> str:
    """`a, b, c`, or `t.a, t.b, t.c` with an alias."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + column for column in columns)
