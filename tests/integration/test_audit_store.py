"""The audit trail: one suite for the PostgreSQL adapter and the fake the unit and HTTP tests
use, so that the fake cannot drift from what the database does."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest

from api.application.pagination import Cursor
from api.application.ports import AuditLog
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter, RequestContext
from api.infrastructure.db.audit import PgAuditLog
from api.presentation.context import Services
from tests.integration.conftest import walk
from tests.support.fakes import FakeAuditLog

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime(2031, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


@pytest.fixture(params=["memory", "postgres"])
def log(request: pytest.FixtureRequest, services: Services) -> AuditLog:
    return FakeAuditLog() if request.param == "memory" else PgAuditLog()


def event(
    actor: uuid.UUID | None, action: str = "batch.created", org: uuid.UUID | None = None
) -> AuditEvent:
    context = RequestContext(f"req-{uuid.uuid4().hex}", "192.0.2.1", "pytest", None, org)
    return AuditEvent(action, actor, "batch", str(uuid.uuid4()), context)


async def test_an_entry_reads_back_with_its_context_and_json_metadata(log: AuditLog) -> None:
    actor, org, client = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    context = RequestContext("r" * 200, "2001:db8::7", "agent " * 200, "client-req-1", org,
                             client, "scanner")  # fmt: skip
    metadata = {"code": "LOT-1", "n": 3, "ok": True, "id": actor, "kg": Decimal("1.50"),
                "at": NOW, "none": None, "nested": {"list": [1, "two"]}}  # fmt: skip

    await log.record(AuditEvent("batch.created", actor, "batch", "t" * 80, context, metadata), NOW)

    [entry] = await log.page(AuditFilter(actor_id=actor), None, 10)
    assert entry == AuditEntry(
        entry.id, NOW, actor, "batch.created", "batch", "t" * 64, "2001:db8::7",
        ("agent " * 200)[:512], "r" * 128,
        {"code": "LOT-1", "n": 3, "ok": True, "id": str(actor), "kg": "1.50", "at": str(NOW),
         "none": None, "nested": {"list": [1, "two"]}},
        "client-req-1", org, client, "scanner",
    )  # fmt: skip


async def test_an_empty_target_or_agent_is_stored_as_none(log: AuditLog) -> None:
    org = uuid.uuid4()
    for target, agent in (("", ""), (None, None)):
        context = RequestContext("req", None, agent, None, org)
        await log.record(AuditEvent("auth.login.failed", None, None, target, context), NOW)

    entries = await log.page(AuditFilter(organisation_id=org), None, 10)
    assert [(e.actor_id, e.target_type, e.target_id, e.ip, e.user_agent) for e in entries] == [
        (None, None, None, None, None)
    ] * 2
    assert [e.metadata for e in entries] == [{}, {}]


async def test_pages_are_newest_first_by_time_then_id_and_lose_nothing_at_a_tie(
    log: AuditLog,
) -> None:
    actor = uuid.uuid4()
    for at in (NOW, NOW, NOW, NOW + timedelta(seconds=1), NOW - timedelta(seconds=1)):
        await log.record(event(actor), at)
    everything = list(await log.page(AuditFilter(actor_id=actor), None, 10))

    assert [e.at for e in everything] == [NOW + timedelta(seconds=1), NOW, NOW, NOW,
                                          NOW - timedelta(seconds=1)]  # fmt: skip
    assert everything == sorted(everything, key=lambda e: (e.at, e.id), reverse=True)
    for size in (1, 2):
        assert await walk(partial(log.page, AuditFilter(actor_id=actor)), size, 6) == everything
    middle = everything[2]
    after = Cursor(middle.at, middle.id)
    assert list(await log.page(AuditFilter(actor_id=actor), after, 10)) == everything[3:]


async def test_filters_select_by_actor_organisation_action_target_and_time(
    log: AuditLog,
) -> None:
    actor, org = uuid.uuid4(), uuid.uuid4()
    await log.record(event(actor, "batch.created"), NOW - timedelta(minutes=1))
    await log.record(event(actor, "batch.shipped", org), NOW)
    await log.record(event(actor, "batch.created"), NOW + timedelta(minutes=1))
    await log.record(event(uuid.uuid4(), "batch.shipped", org), NOW)
    mine = list(await log.page(AuditFilter(actor_id=actor), None, 10))
    latest, shipped, first = mine

    async def found(**filters: object) -> list[AuditEntry]:
        return list(await log.page(AuditFilter(actor_id=actor, **filters), None, 10))  # type: ignore[arg-type]

    assert await found(action="batch.created") == [latest, first]
    assert await found(organisation_id=org) == [shipped]
    assert len(await log.page(AuditFilter(organisation_id=org), None, 10)) == 2
    assert await found(target_id=shipped.target_id) == [shipped]
    assert list(await log.page(AuditFilter(target_id=shipped.target_id), None, 10)) == [shipped]
    # Both ends of the time range are inclusive.
    assert await found(since=NOW) == [latest, shipped]
    assert await found(until=NOW) == [shipped, first]
    assert await found(since=NOW, until=NOW) == [shipped]
    assert await found(action="batch.created", since=NOW) == [latest]
    assert await found(action="nothing.happened") == []
