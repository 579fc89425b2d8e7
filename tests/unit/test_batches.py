import re
from datetime import timedelta
from uuid import uuid4

import pytest

from api.application.batches import Batches
from api.application.epcis import Freezer
from api.domain.batch_codes import is_valid_server_code
from api.domain.batches import BatchFilter, BatchStatus, IllegalTransition
from api.domain.errors import Conflict, MalformedInput, NotFound, NotPermitted, ValidationFailed
from api.domain.users import Actor, Role
from tests.support.builders import CTX, new_batch
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeAuditLog,
    FakeBatches,
    FakeClock,
    FakeEpcisEvents,
    FakeEvents,
    FakeLocations,
    FakeOrganisations,
    FakeUsers,
    NullUnitOfWork,
)

EVERYTHING = BatchFilter()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def audit():
    return FakeAuditLog()


@pytest.fixture
def users():
    return FakeUsers()


@pytest.fixture
def batches(clock, audit, users):
    organisations, locations = FakeOrganisations(users), FakeLocations()
    return Batches(
        FakeBatches(),
        audit,
        NullUnitOfWork(),
        clock,
        FakeEvents(),
        users,
        organisations,
        locations,
        Freezer(FakeEpcisEvents(), organisations, locations),
        FakeOutbox(FakeWebhooks()),
    )


@pytest.fixture
async def buyer(users, clock):
    return await users.add("buyer@example.com", "B", Role.BUYER, "x", clock.now())


@pytest.fixture
def person(users, clock):
    """A registered person acting for their own organisation."""

    async def make(role: Role = Role.PRODUCER) -> Actor:
        user = await users.add(f"{uuid4().hex}@example.com", "Someone", role, "x", clock.now())
        return Actor(user.id, role)

    return make


@pytest.fixture
async def producer(person):
    return await person(Role.PRODUCER)


async def test_a_producer_gets_a_server_made_code_when_none_is_given(batches, producer, clock):
    first = await batches.create(producer, new_batch(), CTX)
    second = await batches.create(producer, new_batch(), CTX)

    assert re.fullmatch(
        r"AGB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", first.code
    )
    assert is_valid_server_code(first.code)
    assert is_valid_server_code(second.code)
    assert first.code != second.code
    assert first.owner_id == producer.id
    assert first.status == BatchStatus.REGISTERED
    assert first.created_at == clock.now()


@pytest.mark.parametrize("code", ["AGB-2026-000006", "AGB-7K3M-Q9XD-2F4A"])
async def test_codes_in_the_servers_namespace_are_not_for_clients(batches, producer, code):
    with pytest.raises(ValidationFailed) as refused:
        await batches.create(producer, new_batch(code=code), CTX)
    assert refused.value.details[0].field == "code"


async def test_a_producer_keeps_the_code_they_chose(batches, producer):
    batch = await batches.create(producer, new_batch(code="FARM-42"), CTX)

    assert batch.code == "FARM-42"


async def test_a_code_already_taken_is_a_conflict(batches, producer, person):
    await batches.create(producer, new_batch(code="FARM-42"), CTX)

    with pytest.raises(Conflict):
        await batches.create(await person(Role.PRODUCER), new_batch(code="FARM-42"), CTX)


@pytest.mark.parametrize("role", [Role.BUYER, Role.AUDITOR, Role.ADMIN])
async def test_only_producers_can_create_batches(batches, audit, role, person):
    with pytest.raises(NotPermitted):
        await batches.create(await person(role), new_batch(), CTX)

    assert audit.entries == []


async def test_creation_writes_a_batch_created_audit_event(batches, producer, audit, clock):
    batch = await batches.create(producer, new_batch(), CTX)

    [(event, at)] = audit.entries
    assert event.action == "batch.created"
    assert event.actor_id == producer.id
    assert (event.target_type, event.target_id) == ("batch", str(batch.id))
    assert event.metadata == {"code": batch.code}
    assert event.context == CTX
    assert at == clock.now()


async def test_the_owner_can_read_their_batch(batches, producer):
    batch = await batches.create(producer, new_batch(), CTX)

    assert await batches.get(producer, batch.id) == batch


async def test_another_producer_is_told_the_batch_does_not_exist(batches, producer, person):
    batch = await batches.create(producer, new_batch(), CTX)
    stranger = await person(Role.PRODUCER)

    with pytest.raises(NotFound):
        await batches.get(stranger, batch.id)
    with pytest.raises(NotFound):
        await batches.change_status(stranger, batch.id, BatchStatus.IN_TRANSIT, None, CTX)
    assert (await batches.get(producer, batch.id)).status == BatchStatus.REGISTERED


async def test_a_buyer_cannot_read_a_batch(batches, producer, person):
    batch = await batches.create(producer, new_batch(), CTX)

    with pytest.raises(NotFound):
        await batches.get(await person(Role.BUYER), batch.id)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
async def test_an_auditor_or_admin_reads_any_batch_but_cannot_change_it(
    batches, producer, role, person
):
    batch = await batches.create(producer, new_batch(), CTX)
    overseer = await person(role)

    assert await batches.get(overseer, batch.id) == batch
    with pytest.raises(NotPermitted):
        await batches.change_status(overseer, batch.id, BatchStatus.IN_TRANSIT, None, CTX)
    assert (await batches.get(producer, batch.id)).status == BatchStatus.REGISTERED


async def test_an_unknown_batch_is_not_found(batches, producer):
    missing = uuid4()

    with pytest.raises(NotFound):
        await batches.get(producer, missing)
    with pytest.raises(NotFound):
        await batches.change_status(producer, missing, BatchStatus.IN_TRANSIT, None, CTX)


async def test_a_buyers_list_holds_nothing_that_was_not_shipped_to_them(batches, producer, person):
    await batches.create(producer, new_batch(), CTX)

    page = await batches.list(await person(Role.BUYER), EVERYTHING, None, 20)

    assert page.items == []
    assert page.next_cursor is None


async def test_a_producer_lists_only_their_own_batches(batches, producer, person):
    mine = await batches.create(producer, new_batch(), CTX)
    await batches.create(await person(Role.PRODUCER), new_batch(), CTX)

    page = await batches.list(producer, EVERYTHING, None, 20)

    assert page.items == [mine]


async def test_an_auditor_lists_every_producers_batches(batches, person):
    made = [await batches.create(await person(Role.PRODUCER), new_batch(), CTX) for _ in range(3)]

    page = await batches.list(await person(Role.AUDITOR), EVERYTHING, None, 20)

    assert {b.id for b in page.items} == {b.id for b in made}


async def test_listing_walks_every_page_newest_first_without_gaps(batches, producer, clock):
    made = []
    for i in range(8):
        if i % 3:
            clock.advance(seconds=1)
        made.append(await batches.create(producer, new_batch(), CTX))
    expected = sorted(made, key=lambda b: (b.created_at, b.id), reverse=True)

    seen, cursor, pages = [], None, 0
    while True:
        page = await batches.list(producer, EVERYTHING, cursor, 3)
        seen.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert [b.id for b in seen] == [b.id for b in expected]
    assert seen[0].created_at >= seen[-1].created_at


async def test_listing_honours_the_status_filter(batches, producer, buyer):
    moving = await batches.create(producer, new_batch(), CTX)
    await batches.create(producer, new_batch(), CTX)
    await batches.change_status(
        producer, moving.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=buyer.email
    )

    page = await batches.list(producer, BatchFilter(status=BatchStatus.IN_TRANSIT), None, 20)

    assert [b.id for b in page.items] == [moving.id]


async def test_a_bad_cursor_is_a_bad_request(batches, producer):
    with pytest.raises(MalformedInput):
        await batches.list(producer, EVERYTHING, "definitely-not-a-cursor", 20)


async def test_a_status_change_is_saved_and_audited_with_from_to_and_note(
    batches, producer, audit, clock, buyer
):
    batch = await batches.create(producer, new_batch(), CTX)
    clock.advance(hours=2)

    changed = await batches.change_status(
        producer,
        batch.id,
        BatchStatus.IN_TRANSIT,
        "left the farm on truck 7",
        CTX,
        recipient=str(buyer.id),
    )

    assert changed.status == BatchStatus.IN_TRANSIT
    assert changed.updated_at == clock.now()
    assert await batches.get(producer, batch.id) == changed
    [event] = audit.of("batch.status_changed")
    assert event.actor_id == producer.id
    assert event.target_id == str(batch.id)
    assert event.metadata == {
        "from": "registered",
        "to": "in_transit",
        "note": "left the farm on truck 7",
        "recipient_id": str(buyer.id),
    }
    assert audit.entries[-1][1] == clock.now()


async def test_a_status_change_without_a_note_records_no_note(batches, producer, audit):
    batch = await batches.create(producer, new_batch(), CTX)

    await batches.change_status(producer, batch.id, BatchStatus.CANCELLED, None, CTX)

    [event] = audit.of("batch.status_changed")
    assert event.metadata == {"from": "registered", "to": "cancelled"}


async def test_an_illegal_status_change_leaves_the_batch_and_the_log_alone(
    batches, producer, audit, clock
):
    batch = await batches.create(producer, new_batch(), CTX)
    clock.advance(timedelta(minutes=5))

    with pytest.raises(IllegalTransition):
        await batches.change_status(producer, batch.id, BatchStatus.DELIVERED, None, CTX)

    assert await batches.get(producer, batch.id) == batch
    assert audit.of("batch.status_changed") == []


async def test_only_the_owner_publishes_a_lot_and_once_is_enough(
    batches, producer, buyer, audit, clock, person
):
    batch = await batches.create(producer, new_batch(code="LOT-2026-0001"), CTX)
    assert not batch.is_public
    assert batch.public_code.startswith("LOT-2026-0001.")
    with pytest.raises(NotFound):
        await batches.publish(await person(Role.PRODUCER), batch.id, CTX)
    with pytest.raises(NotPermitted):
        await batches.publish(await person(Role.AUDITOR), batch.id, CTX)

    published = await batches.publish(producer, batch.id, CTX)
    clock.advance(minutes=5)
    again = await batches.publish(producer, batch.id, CTX)

    assert published.is_public
    assert again.published_at == published.published_at
    assert (await batches.get(producer, batch.id)).is_public
    assert audit.actions().count("batch.published") == 1
    # The recipient of a shipped lot cannot publish what is not theirs (it is public already).
    shipped = await batches.create(producer, new_batch(), CTX)
    await batches.change_status(
        producer, shipped.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=buyer.email
    )
    assert (await batches.get(producer, shipped.id)).published_at == clock.now()
    with pytest.raises(NotPermitted):
        await batches.publish(Actor(buyer.id, Role.BUYER), shipped.id, CTX)
