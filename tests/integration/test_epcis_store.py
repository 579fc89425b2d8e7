"""The EPCIS forms' repository: one suite for the PostgreSQL adapter and the fake the unit tests
use, so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from api.application.pagination import EventCursor
from api.application.ports import EpcisRepository
from api.domain.batches import BatchStatus
from api.domain.epcis.capture import CaptureJob
from api.domain.epcis.query import EventQuery
from api.domain.errors import Conflict
from api.domain.events import BatchEvent, link
from api.domain.users import Actor
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.captures import PgCaptures
from api.infrastructure.db.epcis import PgEpcisEvents, query_sql
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.values import as_json
from api.presentation.context import Services
from tests.integration.conftest import new_batch, producer
from tests.support.fakes import FakeEpcisEvents

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(params=["memory", "postgres"])
def repo(request: pytest.FixtureRequest, services: Services) -> EpcisRepository:
    # The fake reads owners and recipients from the batches the suite writes to PostgreSQL.
    return FakeEpcisEvents(PgBatches()) if request.param == "memory" else PgEpcisEvents()


async def chain(owner: Actor, *times: datetime) -> list[BatchEvent]:
    """A batch and its events at these times (the forms' rows name them)."""
    batch = await PgBatches().add(owner.org, new_batch(), f"EP-{uuid.uuid4().hex[:8]}", times[0])
    made: list[BatchEvent] = []
    for at in times:
        made.append(link(batch.id, made[-1] if made else None, "created", at, "producer", {}))
    await PgEvents().add(made, owner)
    return made


def form(event: BatchEvent, **fields: Any) -> dict[str, Any]:
    event_id = f"ni:///sha-256;{uuid.uuid4().hex * 2}?ver=CBV2.0"
    return {"type": "ObjectEvent", "eventID": event_id, "eventTime": event.at.isoformat()} | fields


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


def lot(prefix: str, name: str) -> list[dict[str, Any]]:
    return [{"epcClass": f"{prefix}{name}", "quantity": 1, "uom": "KGM"}]


async def test_a_query_finds_events_by_each_key_oldest_first(
    repo: EpcisRepository, services: Services
) -> None:
    owner, t = await producer(services), datetime.now(UTC).replace(microsecond=0)
    prefix = f"https://agrobridge.example/id/lot/Q{uuid.uuid4().hex[:8]}-"
    a = await chain(owner, t, t + timedelta(seconds=2), t + timedelta(seconds=4))
    (b,) = await chain(owner, t + timedelta(seconds=1))
    made = [
        form(a[0], quantityList=lot(prefix, "A"), bizStep="creating_class_instance",
             disposition="active"),
        form(a[1], quantityList=lot(prefix, "A"), bizStep="shipping", disposition="in_transit"),
        form(a[2], type="TransformationEvent", inputQuantityList=lot(prefix, "A"),
             outputQuantityList=lot(prefix, "A1") + lot(prefix, "A2"),
             bizStep="https://ref.gs1.org/cbv/BizStep-creating_class_instance"),
        # Written in another offset: compared as the instant it is.
        form(b, eventTime=(t + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=-6)))
             .isoformat(), quantityList=lot(prefix, "B"), bizStep="shipping"),
    ]  # fmt: skip
    for event, frozen in zip((*a, b), made, strict=True):
        await repo.add(event.batch_id, event.seq, frozen, event.at)
    ids = [e["eventID"] for e in made]
    in_time = [ids[0], ids[3], ids[1], ids[2]]

    async def found(**given: Any) -> list[str]:
        query = EventQuery(**given)
        rows = await repo.query(query, owner.org, None, 10)
        return [str(row.event["eventID"]) for row in rows]

    assert await found(epc_class_prefixes=(prefix,)) == in_time
    assert await found(epc_classes=(f"{prefix}A2", f"{prefix}B")) == [ids[3], ids[2]]
    assert await found(epc_class_prefixes=(f"{prefix}A",)) == [ids[0], ids[1], ids[2]]
    scoped = {"epc_class_prefixes": (prefix,)}
    assert await found(event_types=("TransformationEvent",), **scoped) == [ids[2]]
    assert await found(biz_steps=("creating_class_instance",), **scoped) == [ids[0], ids[2]]
    assert await found(dispositions=("in_transit", "active"), **scoped) == [ids[0], ids[1]]
    assert await found(event_ids=(ids[3], ids[1])) == [ids[3], ids[1]]
    window = {"ge_event_time": t + timedelta(seconds=1), "lt_event_time": t + timedelta(seconds=4)}
    assert await found(**window, **scoped) == [ids[3], ids[1]]
    # What the store adds: the time it was stored, and the event as frozen.
    (stored,) = await repo.query(EventQuery(event_ids=(ids[3],)), owner.org, None, 10)
    assert stored.event == made[3]
    assert stored.record_time == b.at
    assert stored.event_time == t + timedelta(seconds=1)
    assert stored.batch_id == b.batch_id
    assert await repo.by_event_id(ids[3]) == stored
    assert await repo.by_event_id(f"ni:///sha-256;{'0' * 64}?ver=CBV2.0") is None


async def test_pages_continue_after_the_last_event_and_hold_each_event_once(
    repo: EpcisRepository, services: Services
) -> None:
    owner, t = await producer(services), datetime.now(UTC)
    prefix = f"https://agrobridge.example/id/lot/P{uuid.uuid4().hex[:8]}-"
    # Five events, two of them at one instant: the id keeps them apart and in order.
    times = (t, t + timedelta(seconds=1), t + timedelta(seconds=1), t + timedelta(seconds=3))
    events = [*await chain(owner, *times), *await chain(owner, t + timedelta(seconds=2))]
    for event in events:
        await repo.add(
            event.batch_id, event.seq, form(event, quantityList=lot(prefix, "x")), event.at
        )
    query = EventQuery(epc_class_prefixes=(prefix,))
    everything = await repo.query(query, owner.org, None, 10)

    pages, after = [], None
    while True:
        page = await repo.query(query, owner.org, after, 2)
        pages.append(page)
        if len(page) < 2:
            break
        after = EventCursor(page[-1].event_time, page[-1].id, query.fingerprint())

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [s.id for p in pages for s in p] == [s.id for s in everything]
    assert [s.event_time for s in everything] == sorted(s.event_time for s in everything)
    assert len(everything) == 5


async def test_a_viewer_sees_the_events_of_lots_it_owns_or_received_and_no_other(
    repo: EpcisRepository, services: Services
) -> None:
    owner, buyer, stranger = [await producer(services) for _ in range(3)]
    t = datetime.now(UTC)
    prefix = f"https://agrobridge.example/id/lot/V{uuid.uuid4().hex[:8]}-"
    (shipped,) = await chain(owner, t)
    (kept,) = await chain(owner, t + timedelta(seconds=1))
    batches = PgBatches()
    lot_shipped = await batches.get(shipped.batch_id)
    assert lot_shipped is not None
    await batches.save_status(
        replace(lot_shipped, status=BatchStatus.IN_TRANSIT, recipient_id=buyer.org)
    )
    for event in (shipped, kept):
        await repo.add(
            event.batch_id, event.seq, form(event, quantityList=lot(prefix, "x")), event.at
        )
    query = EventQuery(epc_class_prefixes=(prefix,))

    def batch_ids(rows: list[Any]) -> list[uuid.UUID]:
        return [row.batch_id for row in rows]

    assert batch_ids(await repo.query(query, owner.org, None, 10)) == [
        shipped.batch_id,
        kept.batch_id,
    ]
    assert batch_ids(await repo.query(query, buyer.org, None, 10)) == [shipped.batch_id]
    assert await repo.query(query, stranger.org, None, 10) == []
    assert len(await repo.query(query, None, None, 10)) == 2


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", ()):
        nodes += plan_nodes(child)
    return nodes


async def explain(sql: str, params: list[Any], *off: str) -> list[dict[str, Any]]:
    # The test table is small: told that reading all of it (or, with `off`, other ways) costs
    # dearly, the planner shows which index a large table's query would walk.
    async with in_transaction("default") as connection:
        for setting in ("enable_seqscan", *off):
            await connection.execute_script(f"SET LOCAL {setting} = off")
        rows = await connection.execute_query_dict("EXPLAIN (FORMAT JSON) " + sql, params)
    (plan,) = as_json(rows[0]["QUERY PLAN"])
    return plan_nodes(plan["Plan"])


async def test_a_page_walks_the_time_index_from_the_token_without_sorting(
    services: Services,
) -> None:
    owner, t = await producer(services), datetime.now(UTC)
    after = EventCursor(t, 42, EventQuery().fingerprint())
    query = EventQuery(biz_steps=("shipping",), epc_class_prefixes=("https://id.gs1.org/01/",))

    # A few rows after the token look cheaper to gather and sort than to walk in order; a large
    # table's page is a walk that stops after 31 rows.
    everything = await explain(*query_sql(query, None, after, 31), "enable_bitmapscan")
    theirs = await explain(*query_sql(query, owner.org, after, 31))

    walks = [n for n in everything if n.get("Relation Name") == "epcis_events"]
    assert [(n["Node Type"], n["Index Name"]) for n in walks] == [
        ("Index Scan", "idx_epcis_event_event_t_09cc12")
    ]
    assert "Sort" not in [n["Node Type"] for n in everything]
    # An organisation's: through its batches, or along time, as the statistics say; never
    # by reading the whole table.
    scans = [n["Node Type"] for n in theirs if n.get("Relation Name") == "epcis_events"]
    assert scans
    assert "Seq Scan" not in scans


async def test_a_lot_class_is_found_through_the_gin_index(services: Services) -> None:
    lot_class = "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN"

    nodes = await explain(*query_sql(EventQuery(epc_classes=(lot_class,)), None, None, 31))

    assert "idx_epcis_event_epc_cla_f77de6" in {n.get("Index Name") for n in nodes}


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
