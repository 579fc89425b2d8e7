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


@dataclass(frozen=True)
class EventCursor:
    """An EPCIS query's `nextPageToken`: where the next page starts, oldest first by (event
    time, id), and the query it continues (a fingerprint of its filters): a token handed to
    another query is refused rather than answered with a page of something else."""

    event_time: datetime
    id: int
    query: str

    def encode(self) -> str:
        raw = json.dumps([self.event_time.isoformat(), self.id, self.query], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, query: str) -> "EventCursor":
        message = "nextPageToken is not valid; use the one a previous page gave"
        try:
            padded = token + "=" * (-len(token) % 4)
            at_text, id_, fingerprint = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(at_text, str) or not isinstance(fingerprint, str):
                raise ValueError("token fields are strings")
            if not isinstance(id_, int) or isinstance(id_, bool) or not 0 < id_ < 2**63:
                raise ValueError("the id is a positive 64-bit integer")
            at = datetime.fromisoformat(at_text)
            if at.tzinfo is None:
                raise ValueError("naive timestamp")
            at = at.astimezone(UTC)  # a forged offset may overflow: OverflowError
        except (binascii.Error, ValueError, TypeError, OverflowError) as exc:
            raise MalformedInput(message) from exc
        if fingerprint != query:
            raise MalformedInput(
                "nextPageToken belongs to another query; repeat the query's parameters with it"
            )
        return cls(at, id_, fingerprint)
