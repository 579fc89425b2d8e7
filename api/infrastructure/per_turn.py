"""Calls made in the same event-loop turn, sent as one: one round trip for all of them.

Under load many requests make the same kind of call at once; sending them together costs
the server (PostgreSQL, Redis) and the client library one round trip instead of one each.
Every caller gets its own answer, in order; a failure of the shared call fails each of them.
"""

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class PerTurn(Generic[T, R]):
    def __init__(self, send: Callable[[list[T]], Awaitable[Sequence[R]]]) -> None:
        self._send = send
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def call(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        if not self._queue:
            # A context of its own: the call belongs to no single request.
            loop.call_soon(self._dispatch, context=contextvars.Context())
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, future))
        return await future

    def _dispatch(self) -> None:
        queue, self._queue = self._queue, []
        task = asyncio.ensure_future(self._run(queue))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, queue: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            answers = await self._send([item for item, _ in queue])
        except Exception as exc:
            for _, future in queue:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, future in queue:
                future.cancel()
            raise
        for (_, future), answer in zip(queue, answers, strict=True):
            if not future.done():  # its request may have been cancelled meanwhile
                future.set_result(answer)
