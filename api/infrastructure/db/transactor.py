from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.transactions import in_transaction


class TortoiseTransactor:
    """Repository calls inside `atomic()` share one PostgreSQL transaction (Tortoise's context)."""

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        async with in_transaction():
            yield
