"""Turn database constraint violations into the domain's errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.exceptions import IntegrityError

from api.domain.errors import Conflict


@asynccontextmanager
async def unique_as_conflict(message: str) -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError as exc:
        if "unique" not in str(exc).lower() and "duplicate" not in str(exc).lower():
            raise
        raise Conflict(message) from exc
