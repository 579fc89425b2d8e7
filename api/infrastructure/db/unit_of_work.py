import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise.transactions import in_transaction

from api.infrastructure.faults import DependencyUnavailable, unavailable_as


class PgUnitOfWork:
    """Repository calls inside `atomic()` share one PostgreSQL transaction (Tortoise's context).

    Transactions queue for a slot before they take a connection, so that writes waiting on a
    locked row can never hold every connection: `reserved` stay free for reads. Transactions
    that name the same `serial_key` (the row they lock) run one at a time in this process, so a
    hot row costs one connection per worker rather than one per waiting request.
    """

    def __init__(self, pool_size: int = 10, reserved: int = 2, wait_seconds: float = 3.0) -> None:
        self._slots = asyncio.Semaphore(max(1, pool_size - reserved))
        self._wait = wait_seconds
        self._keys: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def atomic(self, serial_key: str | None = None) -> AsyncIterator[None]:
        async with self._serialised(serial_key):
            await self._take(self._slots, "every connection is busy with writes")
            try:
                # BEGIN and COMMIT are this adapter's own calls to PostgreSQL.
                with unavailable_as("postgres"):
                    async with in_transaction():
                        yield
            finally:
                self._slots.release()

    @asynccontextmanager
    async def _serialised(self, key: str | None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        lock, users = self._keys.get(key) or (asyncio.Lock(), 0)
        self._keys[key] = (lock, users + 1)
        try:
            await self._take(lock, "the row is busy with other changes")
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._keys[key]
            if users == 1:
                del self._keys[key]
            else:
                self._keys[key] = (lock, users - 1)

    async def _take(self, lock: asyncio.Lock | asyncio.Semaphore, reason: str) -> None:
        try:
            async with asyncio.timeout(self._wait):
                await lock.acquire()
        except TimeoutError:
            raise DependencyUnavailable("postgres", reason) from None
