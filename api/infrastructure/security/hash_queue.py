"""Admission to password hashing, per worker: a short queue instead of an endless one.

A storm of logins would otherwise queue behind the one hashing thread and make every login
wait seconds. Here at most `max_waiting` wait; beyond that the newest waiter of a worse
priority than the newcomer's is shed with 503 (or else the newcomer); and each client address
may have only `per_client` logins in hand at once (429). Better priorities go first, each in
arrival order. An address this worker has shed lately gets the worst priority, whatever the
caller says: a storm's requests that never reach the hasher never fail a login either.
"""

import asyncio
import bisect
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from api.domain.errors import Overloaded, Throttled
from api.infrastructure.metrics import metrics

BUSY = "the server is busy with logins; retry shortly"
SHED_MEMORY_SECONDS = 900
SHED_MEMORY_SIZE = 100_000
WORST = 1_000


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    client: str = field(compare=False)
    future: "asyncio.Future[None]" = field(compare=False)


class BoundedHashQueue:
    def __init__(self, slots: int, max_waiting: int, per_client: int) -> None:
        self._slots = slots
        self._max_waiting = max_waiting
        self._per_client_max = per_client
        self._running = 0
        self._waiting: list[_Waiter] = []
        self._per_client: Counter[str] = Counter()
        self._seq = itertools.count()
        self._shed_until: dict[str, float] = {}

    @asynccontextmanager
    async def admit(self, client: str, priority: int) -> AsyncIterator[None]:
        if self._per_client[client] >= self._per_client_max:
            self._shed(client, "address")
            raise Throttled("too many logins from this address at once; retry shortly", 1)
        if self._shed_until.get(client, 0) > time.monotonic():
            priority = WORST
        self._per_client[client] += 1
        try:
            await self._acquire(client, priority)
            try:
                yield
            finally:
                self._release()
        finally:
            self._per_client[client] -= 1
            if not self._per_client[client]:
                del self._per_client[client]

    async def _acquire(self, client: str, priority: int) -> None:
        if self._running < self._slots and not self._waiting:
            self._running += 1
            return
        if len(self._waiting) >= self._max_waiting:
            last = self._waiting[-1]
            victim = last if last.priority > priority else None
            if victim is None:
                self._shed(client, "worker")
                raise Overloaded(BUSY, 1)
            self._waiting.pop()
            self._shed(victim.client, "worker")
            victim.future.set_exception(Overloaded(BUSY, 1))
        waiter = _Waiter(priority, next(self._seq), client, asyncio.Future())
        bisect.insort(self._waiting, waiter)
        try:
            await waiter.future  # on success the releasing request handed us its slot
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                self._release()
            raise

    def _release(self) -> None:
        while self._waiting:
            waiter = self._waiting.pop(0)
            if not waiter.future.done():
                waiter.future.set_result(None)
                return
        self._running -= 1

    def _shed(self, client: str, reason: str) -> None:
        metrics().logins_shed.labels(reason).inc()
        if len(self._shed_until) >= SHED_MEMORY_SIZE:
            self._shed_until.clear()  # crude, but bounded; trust is only a priority
        self._shed_until[client] = time.monotonic() + SHED_MEMORY_SECONDS
