"""Opaque keyset cursors: newest first, ordered by (created_at, id)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from api.domain.errors import MalformedInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, id_ = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(created_at, str) or not isinstance(id_, str):
                raise ValueError("cursor fields are strings")
            at = datetime.fromisoformat(created_at)
            if at.tzinfo is None:
                raise ValueError("naive timestamp")
            at.astimezone(UTC)  # a forged offset may take it past year 1 or 9999: OverflowError
            return cls(at, UUID(id_))
        except (binascii.Error, ValueError, TypeError, OverflowError) as exc:
            raise MalformedInput(
                "cursor is not valid; use next_cursor from a previous page"
            ) from exc


class Keyed(Protocol):
    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=Keyed)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def from_rows(cls, rows: "list[T]", limit: int) -> "Page[T]":
        """Rows were fetched with limit + 1; the extra row only says there is more."""
        if len(rows) <= limit:
            return cls(rows, None)
        last = rows[limit - 1]
        return cls(rows[:limit], Cursor(last.created_at, last.id).encode())
