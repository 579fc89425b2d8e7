"""Admission to password hashing, per worker: a short queue instead of an endless one.

A storm of logins would otherwise queue behind the one hashing thread and make every login
wait seconds. Here at most `max_waiting` wait; beyond that the newest waiter of a worse
priority than the newcomer's is shed with 503 (or else the newcomer); and each client address
may have only `per_client` logins in hand at once (429). Better priorities go first, each in
arrival order. An address that had too many logins in hand, or that came back before the
Retry-After of its 503, gets the worst priority for a while, whatever the caller says: a
storm's requests that never reach the hasher never fail a login either. An address shed only
because the queue was full keeps its standing if it waits as told: early in a storm, when the
storm's addresses are as new as a person's, that person's retry is not held behind the storm.

Priority 0 (an address a login succeeded from lately) is trusted; priority 1 is an address we
know nothing of. Addresses that failed lately (priority 2 and worse) may keep the hasher busy
only `untrusted_share` of the time: after such a hash, the next one waits in proportion to how
long it took. Otherwise a storm keeps every core hashing, and an honest login, first in line,
still waits for CPU behind it. An address never seen before is not held to that pause: it
would wait out every storm hash's pause before its own (seconds, in a storm of 60 addresses),
and an address gets only one such unpaused try before its failure makes it a failing one.
"""

import asyncio
import bisect
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from api.domain.errors import Overloaded, Throttled
from api.infrastructure.metrics import metrics

BUSY = "the server is busy with logins; retry shortly"
RETRY_AFTER_SECONDS = 1
SHED_MEMORY_SECONDS = 900
SHED_MEMORY_SIZE = 100_000
WORST = 1_000
TRUSTED = 0
# Addresses whose hashes count against the storm's share of the hasher: failing lately, or shed.
PAUSED_FROM = 2


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    client: str = field(compare=False)
    future: "asyncio.Future[None]" = field(compare=False)


class BoundedHashQueue:
    def __init__(
        self,
        slots: int,
        max_waiting: int,
        per_client: int,
        untrusted_share: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._slots = slots
        self._untrusted_pause = 1 / untrusted_share - 1
        self._untrusted_at = 0.0  # when the next untrusted hash may start
        self._wake: asyncio.TimerHandle | None = None
        self._max_waiting = max_waiting
        self._per_client_max = per_client
        self._running = 0
        self._waiting: list[_Waiter] = []
        self._per_client: Counter[str] = Counter()
        self._seq = itertools.count()
        self._shed_until: dict[str, float] = {}
        self._told_to_wait: dict[str, float] = {}  # shed from a full queue: until when

    @asynccontextmanager
    async def admit(self, client: str, priority: int) -> AsyncIterator[None]:
        if self._per_client[client] >= self._per_client_max:
            self._shed(client, "address")
            raise Throttled("too many logins from this address at once; retry shortly", 1)
        if self._impatient(client):
            priority = WORST
        self._per_client[client] += 1
        try:
            await self._acquire(client, priority)
            started = self._clock()
            try:
                yield
            finally:
                if priority >= PAUSED_FROM:
                    ended = self._clock()
                    pause = (ended - started) * self._untrusted_pause
                    self._untrusted_at = max(self._untrusted_at, ended + pause)
                self._release()
        finally:
            self._per_client[client] -= 1
            if not self._per_client[client]:
                del self._per_client[client]

    async def _acquire(self, client: str, priority: int) -> None:
        if self._running < self._slots and not self._waiting and self._may_start(priority):
            self._running += 1
            return
        if len(self._waiting) >= self._max_waiting:
            last = self._waiting[-1]
            victim = last if last.priority > priority else None
            if victim is None:
                self._tell_to_wait(client)
                raise Overloaded(BUSY, RETRY_AFTER_SECONDS)
            self._waiting.pop()
            self._tell_to_wait(victim.client)
            victim.future.set_exception(Overloaded(BUSY, RETRY_AFTER_SECONDS))
        waiter = _Waiter(priority, next(self._seq), client, asyncio.Future())
        bisect.insort(self._waiting, waiter)
        self._dispatch()
        try:
            await waiter.future  # on success the releasing request handed us its slot
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                self._release()
            raise

    def _release(self) -> None:
        self._running -= 1
        self._dispatch()

    def _may_start(self, priority: int) -> bool:
        return priority < PAUSED_FROM or self._clock() >= self._untrusted_at

    def _dispatch(self) -> None:
        """Hand free slots to the best waiters; failing ones only once their pause is over."""
        while self._running < self._slots and self._waiting:
            head = self._waiting[0]
            if head.future.done():
                self._waiting.pop(0)
                continue
            if not self._may_start(head.priority):
                if self._wake is None:
                    delay = self._untrusted_at - self._clock()
                    self._wake = asyncio.get_running_loop().call_later(delay, self._woken)
                return
            self._waiting.pop(0)
            self._running += 1
            head.future.set_result(None)

    def _woken(self) -> None:
        self._wake = None
        self._dispatch()

    def _impatient(self, client: str) -> bool:
        """Shed lately for too many logins at once, or back before its Retry-After."""
        now = self._clock()
        if self._shed_until.get(client, 0) > now:
            return True
        if self._told_to_wait.pop(client, 0) > now:
            self._remember(client)
            return True
        return False

    def _tell_to_wait(self, client: str) -> None:
        metrics().logins_shed.labels("worker").inc()
        if len(self._told_to_wait) >= SHED_MEMORY_SIZE:
            self._told_to_wait.clear()
        self._told_to_wait[client] = self._clock() + RETRY_AFTER_SECONDS

    def _shed(self, client: str, reason: str) -> None:
        metrics().logins_shed.labels(reason).inc()
        self._remember(client)

    def _remember(self, client: str) -> None:
        if len(self._shed_until) >= SHED_MEMORY_SIZE:
            self._shed_until.clear()  # crude, but bounded; trust is only a priority
        self._shed_until[client] = self._clock() + SHED_MEMORY_SECONDS
