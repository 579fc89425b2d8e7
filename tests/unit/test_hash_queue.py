import asyncio

import pytest

from api.domain.errors import Overloaded, Throttled
from api.infrastructure.security.hash_queue import BoundedHashQueue

GOOD, UNKNOWN, FAILING = 0, 1, 2


async def hold(
    queue: BoundedHashQueue, client: str, priority: int, order: list[str], release: asyncio.Event
) -> None:
    async with queue.admit(client, priority):
        order.append(client)
        await release.wait()


async def test_better_standing_goes_first_and_the_worst_newest_waiter_is_shed():
    queue = BoundedHashQueue(slots=1, max_waiting=2, per_client=1)
    order: list[str] = []
    gate = asyncio.Event()
    running = asyncio.create_task(hold(queue, "busy", FAILING, order, gate))
    await asyncio.sleep(0)
    bad1 = asyncio.create_task(hold(queue, "bad1", FAILING, order, gate))
    bad2 = asyncio.create_task(hold(queue, "bad2", FAILING, order, gate))
    await asyncio.sleep(0)
    honest = asyncio.create_task(hold(queue, "honest", GOOD, order, gate))
    await asyncio.sleep(0)

    with pytest.raises(Overloaded):
        await bad2
    gate.set()
    await asyncio.gather(running, bad1, honest)
    assert order == ["busy", "honest", "bad1"]


async def test_a_full_queue_of_better_standing_sheds_the_newcomer():
    queue = BoundedHashQueue(slots=1, max_waiting=1, per_client=1)
    gate = asyncio.Event()
    order: list[str] = []
    first = asyncio.create_task(hold(queue, "a", GOOD, order, gate))
    second = asyncio.create_task(hold(queue, "b", GOOD, order, gate))
    await asyncio.sleep(0)
    with pytest.raises(Overloaded):
        async with queue.admit("c", UNKNOWN):
            pass
    gate.set()
    await asyncio.gather(first, second)


async def test_one_address_gets_a_429_beyond_its_share():
    queue = BoundedHashQueue(slots=1, max_waiting=8, per_client=1)
    gate = asyncio.Event()
    first = asyncio.create_task(hold(queue, "a", UNKNOWN, [], gate))
    await asyncio.sleep(0)
    with pytest.raises(Throttled):
        async with queue.admit("a", UNKNOWN):
            pass
    gate.set()
    await first


async def test_untrusted_hashes_leave_the_hasher_idle_for_a_trusted_login():
    """After an untrusted hash the next untrusted one pauses as long as that hash took, so a
    trusted login that arrives meanwhile starts at once instead of queueing for CPU."""
    queue = BoundedHashQueue(slots=1, max_waiting=8, per_client=1, untrusted_share=0.5)
    order: list[str] = []

    async def hash_for(client: str, priority: int, seconds: float) -> None:
        async with queue.admit(client, priority):
            order.append(client)
            await asyncio.sleep(seconds)

    storm = asyncio.create_task(hash_for("storm-1", FAILING, 0.2))
    await asyncio.sleep(0)
    next_in_storm = asyncio.create_task(hash_for("storm-2", FAILING, 0))
    await storm
    assert order == ["storm-1"]  # storm-2 waits out the pause
    await hash_for("honest", GOOD, 0)
    assert order == ["storm-1", "honest"]
    await next_in_storm
    assert order == ["storm-1", "honest", "storm-2"]


async def test_trusted_logins_are_never_paused():
    queue = BoundedHashQueue(slots=1, max_waiting=8, per_client=1, untrusted_share=0.5)
    async with queue.admit("storm", FAILING):
        await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    async with queue.admit("honest", GOOD):
        waited = asyncio.get_running_loop().time() - started
    assert waited < 0.05


async def test_an_address_never_seen_before_is_not_paused_behind_a_storm():
    """A storm's hashes leave the hasher idle half the time; a login from an address we know
    nothing of (a phone on a new network) takes that idle time instead of waiting it out."""
    queue = BoundedHashQueue(slots=1, max_waiting=8, per_client=1, untrusted_share=0.5)
    async with queue.admit("storm", FAILING):
        await asyncio.sleep(0.2)
    started = asyncio.get_running_loop().time()
    async with queue.admit("new-phone", UNKNOWN):
        waited = asyncio.get_running_loop().time() - started
    assert waited < 0.05


async def test_a_new_address_goes_before_a_waiting_storm_and_is_not_shed_by_it():
    queue = BoundedHashQueue(slots=1, max_waiting=2, per_client=1, untrusted_share=0.5)
    order: list[str] = []
    gate = asyncio.Event()
    running = asyncio.create_task(hold(queue, "storm-1", FAILING, order, gate))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(hold(queue, f"storm-{i}", FAILING, order, gate)) for i in (2, 3)]
    await asyncio.sleep(0)
    new = asyncio.create_task(hold(queue, "new-phone", UNKNOWN, order, gate))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(running, new, waiting[0])
    with pytest.raises(Overloaded):
        await waiting[1]
    assert order[:2] == ["storm-1", "new-phone"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_address_shed_from_a_full_queue_keeps_its_standing_if_it_waits_as_told():
    """Early in a storm its addresses are as new as a person's; the person shed then, who
    retries after the Retry-After, still goes before the storm's failing addresses, while one
    that comes straight back is put last."""
    clock = FakeClock()
    queue = BoundedHashQueue(slots=1, max_waiting=1, per_client=1, clock=clock)
    first, second, rest = asyncio.Event(), asyncio.Event(), asyncio.Event()
    order: list[str] = []
    storm_1 = asyncio.create_task(hold(queue, "storm-1", UNKNOWN, order, first))
    await asyncio.sleep(0)
    storm_2 = asyncio.create_task(hold(queue, "storm-2", UNKNOWN, order, second))
    await asyncio.sleep(0)
    for client in ("phone", "impatient"):
        with pytest.raises(Overloaded) as shed:
            async with queue.admit(client, UNKNOWN):
                pass
        assert shed.value.retry_after == 1
    first.set()
    await storm_1  # storm-2 hashes now; storm-1's address, having failed, comes back failing
    storm_1_again = asyncio.create_task(hold(queue, "storm-1", FAILING, order, rest))
    await asyncio.sleep(0)

    with pytest.raises(Overloaded):  # back at once: last, below even a failing address
        async with queue.admit("impatient", UNKNOWN):
            pass
    clock.now += 1.5
    phone = asyncio.create_task(hold(queue, "phone", UNKNOWN, order, rest))  # waited as told
    await asyncio.sleep(0)
    with pytest.raises(Overloaded):
        await asyncio.wait_for(storm_1_again, 1)  # the failing address made room for it
    second.set()
    rest.set()
    await asyncio.gather(storm_2, phone)
    assert order == ["storm-1", "storm-2", "phone"]
