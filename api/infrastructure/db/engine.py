"""Tortoise's asyncpg backend with two repairs: every wait on the pool is bounded, and a
transaction whose opening is interrupted never keeps its connection.

Tortoise's pooled transaction takes a connection, then awaits BEGIN inside `__aenter__`. When
the request task is cancelled during that await (a client hanging up, a timeout), Python never
calls `__aexit__`, so the connection is never released: it stays checked out, idle in
transaction, until the process restarts. `GuardedTransaction` releases it instead.
"""

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


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


class GuardedTransaction(TransactionContextPooled):
    async def __aenter__(self) -> Any:
        await self.ensure_connection()
        parent = self.client._parent
        self.client._connection = await parent._pool.acquire()
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            # BEGIN may or may not have reached the server: the session's state is unknown,
            # so close it rather than hand it to the next request.
            get_connections().reset(self.token)
            self.client._connection.terminate()
            await parent._pool.release(self.client._connection)
            raise
        return self.client


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

    def _in_transaction(self) -> TransactionContext:
        return GuardedTransaction(TransactionWrapper(self), self._pool_init_lock)


# Tortoise finds the client class of an engine module under this name.
client_class = GuardedAsyncpgClient
