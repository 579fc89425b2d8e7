"""The EPCIS forms' repository: one suite for the PostgreSQL adapter and the fake the unit tests
use, so that the fake cannot drift from what the database does."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.application.ports import EpcisRepository
from api.domain.epcis.capture import CaptureJob
from api.domain.errors import Conflict
from api.domain.events import BatchEvent, link
from api.domain.users import Actor
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.captures import PgCaptures
from api.infrastructure.db.epcis import PgEpcisEvents
from api.infrastructure.db.events import PgEvents
from api.presentation.context import Services
from tests.integration.conftest import new_batch, producer
from tests.support.fakes import FakeEpcisEvents

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(params=["memory", "postgres"])
def repo(request: pytest.FixtureRequest, services: Services) -> EpcisRepository:
    return FakeEpcisEvents() if request.param == "memory" else PgEpcisEvents()


async def chain(owner: Actor, *times: datetime) -> list[BatchEvent]:
    """A batch and its events at these times (the forms' rows name them)."""
    batch = await PgBatches().add(owner.org, new_batch(), f"EP-{uuid.uuid4().hex[:8]}", times[0])
    made: list[BatchEvent] = []
    for at in times:
        made.append(link(batch.id, made[-1] if made else None, "created", at, "producer", {}))
    await PgEvents().add(made, owner)
    return made


def form(event: BatchEvent) -> dict[str, Any]:
    event_id = f"ni:///sha-256;{uuid.uuid4().hex * 2}?ver=CBV2.0"
    return {"type": "ObjectEvent", "eventID": event_id, "eventTime": event.at.isoformat()}


async def test_forms_read_back_whole_in_the_order_their_events_happened(
    repo: EpcisRepository, services: Services
) -> None:
    owner, t = await producer(services), datetime.now(UTC)
    a = await chain(owner, t, t + timedelta(seconds=2), t + timedelta(seconds=4))
    b = await chain(owner, t + timedelta(seconds=1), t + timedelta(seconds=3))
    forms = {(e.batch_id, e.seq): form(e) for e in a + b}
    for event in (b[0], a[0], a[2], b[1], a[1]):  # frozen in another order
        await repo.add(event.batch_id, event.seq, forms[event.batch_id, event.seq], event.at)

    both = await repo.of([a[0].batch_id, b[0].batch_id])
    mine = await repo.of([a[0].batch_id])

    in_time = sorted(a + b, key=lambda e: e.at)
    assert both == [forms[e.batch_id, e.seq] for e in in_time]
    assert mine == [forms[e.batch_id, e.seq] for e in a]
    # The latest stored (forms are stored in their events' order, under the batch's lock).
    assert await repo.last(a[0].batch_id) == forms[a[1].batch_id, a[1].seq]
    assert await repo.last(uuid.uuid4()) is None
    assert await repo.of([uuid.uuid4()]) == []


async def test_a_batch_event_has_one_form_and_an_event_id_one_event(
    repo: EpcisRepository, services: Services
) -> None:
    owner, t = await producer(services), datetime.now(UTC)
    first, second = await chain(owner, t, t + timedelta(seconds=1))
    made = form(first)
    await repo.add(first.batch_id, first.seq, made, first.at)

    with pytest.raises(Conflict):
        await repo.add(first.batch_id, first.seq, form(first), first.at)
    with pytest.raises(Conflict):
        await repo.add(second.batch_id, second.seq, made, second.at)
    assert await repo.of([first.batch_id]) == [made]


async def test_captured_events_name_their_capture_and_an_observation_has_no_seq(
    repo: EpcisRepository, services: Services
) -> None:
    owner, t = await producer(services), datetime.now(UTC)
    first, second = await chain(owner, t, t + timedelta(seconds=2))
    job = CaptureJob(uuid.uuid4(), owner.org, owner.id, True, t, t, ("x",))
    # The job is stored in the transaction that stores its events (its id is their foreign key).
    await PgCaptures().add(job)
    ours = form(first)
    observed = {**form(first), "eventTime": (t + timedelta(seconds=1)).isoformat()}
    shipped = form(second)
    await repo.add(first.batch_id, first.seq, ours, first.at)
    await repo.add(first.batch_id, None, observed, t + timedelta(seconds=1), capture_id=job.id)
    await repo.add(second.batch_id, second.seq, shipped, second.at, capture_id=job.id)
    # Observations do not clash with each other: only a batch event has one form.
    another = form(first)
    await repo.add(first.batch_id, None, another, t + timedelta(seconds=3), capture_id=job.id)

    assert await repo.of([first.batch_id]) == [ours, observed, shipped, another]
    # The latest stored, whether it is the form of a batch event or not.
    assert await repo.last(first.batch_id) == another
    assert await repo.captured([first.batch_id]) == {
        observed["eventID"],
        shipped["eventID"],
        another["eventID"],
    }
    assert await repo.captured([uuid.uuid4()]) == set()
    unknown = form(first)["eventID"]
    assert await repo.known([ours["eventID"], observed["eventID"], unknown]) == {
        ours["eventID"],
        observed["eventID"],
    }
