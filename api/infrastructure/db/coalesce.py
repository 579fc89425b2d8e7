"""Reads by key asked for in the same event-loop turn leave as one query.

Under load many requests read the same table at once; one `= ANY($1)` query for all of them
costs PostgreSQL and the pool one round trip instead of one each (as Prisma does).
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Coalescer(Generic[K, V]):
    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]]) -> None:
        self._fetch = fetch
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def load(self, key: K) -> V | None:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            # A context of its own: the query belongs to no single request (nor its transaction).
            loop.call_soon(self._dispatch, context=contextvars.Context())
        future: asyncio.Future[V | None] = loop.create_future()
        self._waiting.setdefault(key, []).append(future)
        return await future

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, {}
        task = asyncio.ensure_future(self._run(waiting))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, waiting: dict[K, list[asyncio.Future[V | None]]]) -> None:
        try:
            found = await self._fetch(list(waiting))
        except Exception as exc:
            for future in _pending(waiting):
                future.set_exception(exc)
            return
        except BaseException:
            for future in _pending(waiting):
                future.cancel()
            raise
        for key, futures in waiting.items():
            for future in futures:
                if not future.done():  # its request may have been cancelled meanwhile
                    future.set_result(found.get(key))


def _pending(waiting: dict[K, list[asyncio.Future[V | None]]]) -> list[asyncio.Future[V | None]]:
    return [f for futures in waiting.values() for f in futures if not f.done()]
