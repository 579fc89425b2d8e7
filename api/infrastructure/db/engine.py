"""Tortoise's asyncpg backend with two repairs: every wait on the pool is bounded, and a
transaction whose opening is interrupted never keeps its connection (`GuardedTransaction`, one
of the patches of Tortoise's private parts in api/infrastructure/patches.py).
"""

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext

from api.infrastructure.patches import GuardedTransaction


class BoundedPool:
    """An asyncpg pool whose acquire and release give up after the configured time."""

    def __init__(self, pool: asyncpg.Pool, acquire_timeout: float, release_timeout: float) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._release_timeout = release_timeout

    def acquire(self, *, timeout: float | None = None) -> Any:
        return self._pool.acquire(timeout=timeout or self._acquire_timeout)

    async def release(self, connection: Any, **_: Any) -> None:
        # asyncpg terminates a connection it cannot reset in time; the pool replaces it.
        await self._pool.release(connection, timeout=self._release_timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


class GuardedAsyncpgClient(AsyncpgDBClient):
    def __init__(
        self, *, acquire_timeout: float = 5.0, release_timeout: float = 5.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.acquire_timeout = acquire_timeout
        self.release_timeout = release_timeout

    async def create_pool(self, **kwargs: Any) -> Any:
        pool = await asyncpg.create_pool(None, **kwargs)
        return BoundedPool(pool, self.acquire_timeout, self.release_timeout)

    # Tortoise opens every transaction through this private hook.
    def _in_transaction(self) -> TransactionContext:
        return GuardedTransaction(TransactionWrapper(self), self._pool_init_lock)


# Tortoise finds the client class of an engine module under this name.
client_class = GuardedAsyncpgClient
