"""EPCIS capture (docs/standards.md, "Capture"): a partner's EPCISDocument is checked against
GS1's schema, CBV and GS1's hash, its events must be about lots the organisation holds, and the
whole of it is stored, moving custody as our own routes do, or none of it is."""

from dataclasses import dataclass, replace
from typing import Any, cast
from uuid import uuid4

import pytest

from api.application.batches import Batches
from api.application.capture import Captures
from api.application.epcis import EpcisDocuments, Freezer
from api.domain.batches import Batch, BatchStatus
from api.domain.epcis.capture import MAX_EVENTS, Step, lot_ref, party_ref, read_capture
from api.domain.epcis.document import EPCIS_CONTEXT_URL, PREVIOUS_EVENT_ID
from api.domain.epcis.hashing import event_hash
from api.domain.epcis.identifiers import lot_uri, party_uri
from api.domain.epcis.validation import schema_problems
from api.domain.errors import MalformedInput, NotFound, NotPermitted
from api.domain.organisations import MemberRole
from api.domain.users import Actor, Role
from api.infrastructure.epcis_schema import load_schema
from tests.support.builders import CTX, new_batch
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeAuditLog,
    FakeBatches,
    FakeCaptures,
    FakeClock,
    FakeEpcisEvents,
    FakeEvents,
    FakeLineage,
    FakeLocations,
    FakeOrganisations,
    FakeUsers,
    NullUnitOfWork,
)

SCHEMA = load_schema()
BUYER_GLN = "4012345000009"
HOST = "agrobridge.example"


def shipping(lot: str, to: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-10-04T06:00:00.000-06:00",
        "eventTimeZoneOffset": "-06:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [{"epcClass": lot, "quantity": 1250.5, "uom": "KGM"}],
        "destinationList": [{"type": "owning_party", "destination": to}],
        **extra,
    }


def receiving(lot: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-10-06T09:30:00.000+02:00",
        "eventTimeZoneOffset": "+02:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "quantityList": [{"epcClass": lot, "quantity": 1250.5, "uom": "KGM"}],
        **extra,
    }


def inspecting(lot: str) -> dict[str, Any]:
    return {**receiving(lot), "bizStep": "inspecting", "disposition": "conformant"}


def document(*events: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return {
        "@context": context or [EPCIS_CONTEXT_URL],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-10-04T06:05:00.000-06:00",
        "epcisBody": {"eventList": list(events)},
    }


def refusal(exc: pytest.ExceptionInfo[MalformedInput]) -> list[tuple[str, str]]:
    return [(d.field, d.issue) for d in exc.value.details]


LOT = lot_uri(HOST, "AGB-7K3Q-9XD2-M4TN")
BUYER = f"https://id.gs1.org/417/{BUYER_GLN}"


# The document's rules, before any lot is read.


def test_a_valid_document_is_read_with_each_events_hash_assigned_or_checked() -> None:
    first = shipping(LOT, BUYER)
    second = {**inspecting(LOT), "eventID": event_hash(inspecting(LOT))}

    read = read_capture(document(first, second), SCHEMA)

    assert [c.step for c in read] == [Step.SHIPPING, Step.OBSERVATION]
    assert read[0].event_id == event_hash(first)
    assert read[1].event_id == second["eventID"]
    assert read[0].lot.code == "AGB-7K3Q-9XD2-M4TN"
    assert read[0].destination is not None
    assert read[0].destination.gln == BUYER_GLN
    assert "recordTime" not in read[0].event


def test_the_record_time_sent_is_not_kept() -> None:
    sent = {**inspecting(LOT), "recordTime": "2020-01-01T00:00:00.000+00:00"}

    (read,) = read_capture(document(sent), SCHEMA)

    assert "recordTime" not in read.event
    assert read.event_id == event_hash(inspecting(LOT))


def test_an_event_id_that_is_not_the_events_hash_is_refused_naming_the_event() -> None:
    wrong = "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"
    good = inspecting(LOT)

    with pytest.raises(MalformedInput) as exc:
        read_capture(document(good, {**inspecting(LOT), "eventID": wrong}), SCHEMA)

    ((field, issue),) = refusal(exc)
    assert field == "epcisBody.eventList[1]"
    assert wrong in issue
    assert "is not GS1's hash of the event" in issue
    assert event_hash(good) in issue  # the hash it should have been


def test_a_schema_violation_is_refused_naming_the_event_and_the_rule() -> None:
    broken = {**inspecting(LOT), "action": "TOUCH"}

    with pytest.raises(MalformedInput) as exc:
        read_capture(document(inspecting(LOT), broken), SCHEMA)

    fields = {field for field, _ in refusal(exc)}
    assert fields == {"epcisBody.eventList[1]"}
    assert all("GS1's EPCIS 2.0 JSON Schema" in issue for _, issue in refusal(exc))
    assert "recordTime" not in str(exc.value)


@pytest.mark.parametrize("stand_in", [[None, None], 7, "ObjectEvent", None])
def test_something_other_than_an_event_in_the_list_is_refused_by_its_place(stand_in: Any) -> None:
    # Found by the fuzzer: a list where an event belongs made a 500.
    with pytest.raises(MalformedInput) as exc:
        read_capture(document(inspecting(LOT), cast(dict[str, Any], stand_in)), SCHEMA)

    assert refusal(exc)[0][0] == "epcisBody.eventList[1]"
    assert "(no eventID)" in refusal(exc)[0][1]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-teleporting", "not a CBV 2.0 business step"),
        ("disposition", "https://ref.gs1.org/cbv/Disp-happy", "not a CBV 2.0 disposition"),
        ("bizStep", "urn:epcglobal:cbv:bizstep:teleporting", "GS1's EPCIS 2.0 JSON Schema"),
        ("bizStep", "teleporting", "GS1's EPCIS 2.0 JSON Schema"),
    ],
)
def test_words_outside_cbv_in_gs1s_namespaces_are_refused(
    field: str, value: str, words: str
) -> None:
    with pytest.raises(MalformedInput) as exc:
        read_capture(document({**inspecting(LOT), field: value}), SCHEMA)

    assert any(words in issue for _, issue in refusal(exc))


def test_cbv_uris_and_words_of_ones_own_namespace_are_accepted() -> None:
    own = {**inspecting(LOT), "bizStep": "https://example.com/steps/ripening-check"}
    uri = {**receiving(LOT), "bizStep": "https://ref.gs1.org/cbv/BizStep-receiving"}

    read = read_capture(document(own, uri), SCHEMA)

    assert [c.step for c in read] == [Step.OBSERVATION, Step.RECEIVING]


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({**inspecting(LOT), "epcList": ["https://id.gs1.org/01/07038010000065/21/1"]}, "epcList"),
        (
            {
                **inspecting(LOT),
                "quantityList": [
                    {"epcClass": LOT, "quantity": 1, "uom": "KGM"},
                    {"epcClass": lot_uri(HOST, "AGB-2"), "quantity": 1, "uom": "KGM"},
                ],
            },
            "quantityList names one lot",
        ),
        (
            {**inspecting(LOT), "quantityList": [{"epcClass": "https://example.com/lot/1"}]},
            "not a lot's URI of ours",
        ),
        (shipping(LOT, "https://example.com/party/buyer"), "destination owning_party"),
        ({**shipping(LOT, BUYER), "action": "ADD"}, "a shipping event is an OBSERVE"),
    ],
)
def test_what_we_cannot_apply_is_refused(event: dict[str, Any], words: str) -> None:
    with pytest.raises(MalformedInput) as exc:
        read_capture(document(event), SCHEMA)

    assert any(words in issue for _, issue in refusal(exc)), refusal(exc)


def test_a_transformation_is_refused() -> None:
    transformation = {
        "type": "TransformationEvent",
        "eventTime": "2026-10-04T06:00:00.000-06:00",
        "eventTimeZoneOffset": "-06:00",
        "inputQuantityList": [{"epcClass": LOT, "quantity": 1, "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": LOT, "quantity": 1, "uom": "KGM"}],
    }

    with pytest.raises(MalformedInput) as exc:
        read_capture(document(transformation), SCHEMA)

    assert "only ObjectEvents" in refusal(exc)[0][1]


def test_an_event_whose_extension_fields_need_the_senders_prefixes_is_refused() -> None:
    context = [EPCIS_CONTEXT_URL, {"ex": "https://ex.example/"}]

    with pytest.raises(MalformedInput) as exc:
        read_capture(document({**inspecting(LOT), "ex:temp": "4"}, context=context), SCHEMA)

    assert "hashes differently in our @context" in refusal(exc)[0][1]


def test_the_same_event_twice_and_too_many_events_are_refused() -> None:
    with pytest.raises(MalformedInput) as twice:
        read_capture(document(inspecting(LOT), inspecting(LOT)), SCHEMA)
    with pytest.raises(MalformedInput) as many:
        read_capture(document(*[inspecting(LOT)] * (MAX_EVENTS + 1)), SCHEMA)
    with pytest.raises(MalformedInput):
        read_capture({"type": "EPCISDocument"}, SCHEMA)

    assert refusal(twice)[0][0] == "epcisBody.eventList[1]"
    assert "the same event as event 0" in refusal(twice)[0][1]
    assert "1 to 100" in str(many.value)


def test_lot_and_party_uris_of_both_forms_are_read() -> None:
    assert lot_ref(lot_uri(HOST, "field/3")) is not None
    assert lot_ref(lot_uri(HOST, "field/3")).code == "field/3"  # type: ignore[union-attr]
    gs1 = lot_ref(lot_uri(HOST, "AGB-1", gtin="7038010000065"))
    assert gs1 is not None
    assert (gs1.code, gs1.gtin) == ("AGB-1", "07038010000065")
    someone = uuid4()
    assert party_ref(party_uri(HOST, someone)).organisation_id == someone  # type: ignore[union-attr]
    assert party_ref("https://id.gs1.org/417/4012345000008") is None  # a wrong check digit


# The use case: whose lots, what they do, and all or nothing.


@dataclass
class World:
    clock: FakeClock
    repo: FakeBatches
    epcis: FakeEpcisEvents
    jobs: FakeCaptures
    audit: FakeAuditLog
    users: FakeUsers
    organisations: FakeOrganisations
    batches: Batches
    captures: Captures
    documents: EpcisDocuments
    outbox: FakeOutbox

    async def person(self, role: Role) -> Actor:
        user = await self.users.add(f"{uuid4().hex}@example.com", "X", role, "x", self.clock.now())
        return Actor(user.id, role)

    def client(self, of: Actor) -> Actor:
        return Actor(
            uuid4(), of.role, of.org, client_name="erp", scopes=frozenset({"events:capture"})
        )

    def forms(self, batch: Batch) -> list[dict[str, Any]]:
        return [event for b, _, event, _ in self.epcis.rows if b == batch.id]


@pytest.fixture
def world() -> World:
    clock, repo, epcis, jobs = FakeClock(), FakeBatches(), FakeEpcisEvents(), FakeCaptures()
    users, places, audit = FakeUsers(), FakeLocations(), FakeAuditLog()
    organisations = FakeOrganisations(users)
    uow = NullUnitOfWork()
    freezer, outbox = Freezer(epcis, organisations, places), FakeOutbox(FakeWebhooks())
    batches = Batches(
        repo, audit, uow, clock, FakeEvents(), users, organisations, places, freezer, outbox
    )
    return World(
        clock, repo, epcis, jobs, audit, users, organisations, batches,
        Captures(repo, batches, epcis, jobs, audit, uow, clock, SCHEMA, outbox),
        EpcisDocuments(repo, FakeLineage(repo), epcis, clock), outbox,
    )  # fmt: skip


@dataclass
class Trade:
    producer: Actor
    buyer: Actor
    lot: Batch
    uri: str


@pytest.fixture
async def trade(world: World) -> Trade:
    producer, buyer = await world.person(Role.PRODUCER), await world.person(Role.BUYER)
    own = await world.organisations.get(buyer.org)
    assert own is not None
    await world.organisations.update(replace(own, gln=BUYER_GLN))
    lot = await world.batches.create(producer, replace(new_batch(), gtin="7038010000065"), CTX)
    return Trade(producer, buyer, lot, lot_uri(HOST, lot.code, lot.gtin))


async def test_a_captured_shipping_ships_the_lot_and_receiving_delivers_it(
    world: World, trade: Trade
) -> None:
    (registration,) = world.forms(trade.lot)
    shipped = shipping(trade.uri, BUYER)

    sent = await world.captures.capture(world.client(trade.producer), document(shipped), None, CTX)
    world.clock.advance(hours=2)
    got = await world.captures.capture(
        world.client(trade.buyer), document(receiving(trade.uri)), "rollback", CTX
    )

    lot = world.repo.rows[trade.lot.id]
    assert (lot.status, lot.recipient_id) == (BatchStatus.DELIVERED, trade.buyer.org)
    stored = world.forms(trade.lot)
    assert [e["eventID"] for e in stored] == [
        registration["eventID"],
        *sent.event_ids,
        *got.event_ids,
    ]
    # Stored as sent, with our recordTime; the hash is GS1's of it.
    assert {k: v for k, v in stored[1].items() if k not in ("eventID", "recordTime")} == shipped
    assert stored[1]["recordTime"].endswith("+00:00")
    assert all(event_hash({k: v for k, v in e.items()}) == e["eventID"] for e in stored)
    assert [s for _, s, _, _ in world.epcis.rows] == [1, 2, 3]
    assert await world.captures.get(world.client(trade.producer), sent.id) == sent
    assert [e.action for e, _ in world.audit.entries if e.action.startswith("epcis")] == [
        "epcis.captured",
        "epcis.captured",
    ]


async def test_the_lots_parties_hear_of_each_captured_event_with_the_change_it_made(
    world: World, trade: Trade
) -> None:
    shipped = await world.captures.capture(
        world.client(trade.producer), document(shipping(trade.uri, BUYER)), None, CTX
    )
    observed = await world.captures.capture(trade.buyer, document(inspecting(trade.uri)), None, CTX)

    told: list[tuple[Any, dict[str, Any]]] = [
        (e["type"], cast(dict[str, Any], e["data"])) for e in world.outbox.emitted
    ]
    # Our own shipment's event, then the capture that made it; the buyer's observation.
    assert [kind for kind, _ in told] == ["batch.shipped", "epcis.captured", "epcis.captured"]
    _, first = told[1]
    assert first["capture_id"] == str(shipped.id)
    assert first["event_id"] == shipped.event_ids[0]
    assert (first["biz_step"], first["status"]) == ("shipping", "in_transit")
    assert first["recipient_id"] == str(trade.buyer.org)
    assert told[2][1]["event_id"] == observed.event_ids[0]
    parties = {trade.producer.org, trade.buyer.org}
    assert all(e.organisations == parties for e in world.outbox.webhooks.events[1:])


async def test_an_observation_changes_nothing_and_our_next_event_links_to_it(
    world: World, trade: Trade
) -> None:
    job = await world.captures.capture(trade.producer, document(inspecting(trade.uri)), None, CTX)
    await world.batches.change_status(
        trade.producer, trade.lot.id, BatchStatus.CANCELLED, None, CTX
    )

    _, observed, cancelled = world.forms(trade.lot)
    assert [s for _, s, _, _ in world.epcis.rows] == [1, None, 2]
    assert observed["eventID"] == job.event_ids[0]
    assert cancelled[PREVIOUS_EVENT_ID] == observed["eventID"]


async def test_the_public_view_leaves_captured_events_and_links_to_them_out(
    world: World, trade: Trade
) -> None:
    await world.batches.publish(trade.producer, trade.lot.id, CTX)
    await world.captures.capture(trade.producer, document(inspecting(trade.uri)), None, CTX)
    await world.batches.change_status(
        trade.producer, trade.lot.id, BatchStatus.CANCELLED, None, CTX
    )
    lot = world.repo.rows[trade.lot.id]
    registration, observed, cancelled = world.forms(lot)

    public = await world.documents.of_public_lot(str(lot.public_code))

    assert [e["eventID"] for e in public] == [registration["eventID"], cancelled["eventID"]]
    assert public[1][PREVIOUS_EVENT_ID] is None
    assert observed["eventID"] not in str(public)


async def test_events_about_another_organisations_lot_are_refused_as_if_it_did_not_exist(
    world: World, trade: Trade
) -> None:
    stranger = await world.person(Role.PRODUCER)
    missing = lot_uri(HOST, "AGB-NOPE-NOPE-NOPE")
    wrong_gtin = lot_uri(HOST, trade.lot.code, "4006381333931")

    refusals = []
    for uri in (trade.uri, missing, wrong_gtin):
        with pytest.raises(MalformedInput) as exc:
            await world.captures.capture(stranger, document(inspecting(uri)), None, CTX)
        # The same words, after the event's own eventID.
        refusals.append(refusal(exc)[0][1].split(") ", 1)[1])

    assert len(set(refusals)) == 1
    assert "no lot your organisation holds has this class" in refusals[0]
    assert world.jobs.jobs == {}
    assert len(world.forms(trade.lot)) == 1


async def test_one_bad_event_stores_none_of_the_capture(world: World, trade: Trade) -> None:
    stranger_lot = await world.batches.create(await world.person(Role.PRODUCER), new_batch(), CTX)
    good = shipping(trade.uri, BUYER)
    foreign = inspecting(lot_uri(HOST, stranger_lot.code))

    with pytest.raises(MalformedInput) as exc:
        await world.captures.capture(trade.producer, document(good, foreign), None, CTX)

    assert refusal(exc)[0][0] == "epcisBody.eventList[1]"
    # Every lot is checked before any moves (the transaction undoes the rest, tests/e2e).
    assert world.jobs.jobs == {}
    assert world.repo.rows[trade.lot.id].status is BatchStatus.REGISTERED


async def test_receiving_before_shipping_is_refused_by_custody(world: World, trade: Trade) -> None:
    with pytest.raises(MalformedInput) as exc:
        await world.captures.capture(trade.producer, document(receiving(trade.uri)), None, CTX)

    assert "custody refuses it" in refusal(exc)[0][1]
    assert world.repo.rows[trade.lot.id].status is BatchStatus.REGISTERED


async def test_only_the_owner_ships_and_only_the_recipient_receives(
    world: World, trade: Trade
) -> None:
    await world.captures.capture(trade.producer, document(shipping(trade.uri, BUYER)), None, CTX)

    with pytest.raises(MalformedInput) as exc:
        await world.captures.capture(trade.producer, document(receiving(trade.uri)), None, CTX)
    other = shipping(trade.uri, BUYER, eventTime="2026-10-05T06:00:00.000-06:00")
    with pytest.raises(MalformedInput) as ship:
        await world.captures.capture(trade.buyer, document(other), None, CTX)

    assert "only the lot's recipient captures a receiving event" in refusal(exc)[0][1]
    assert "only the lot's owner captures a shipping event" in refusal(ship)[0][1]


async def test_a_shipping_to_an_organisation_that_buys_nothing_is_refused(
    world: World, trade: Trade
) -> None:
    grower = await world.person(Role.PRODUCER)
    to = party_uri(HOST, grower.org)

    with pytest.raises(MalformedInput) as exc:
        await world.captures.capture(trade.producer, document(shipping(trade.uri, to)), None, CTX)

    assert "the recipient must be a buyer organisation" in refusal(exc)[0][1]


async def test_an_event_captured_twice_is_refused(world: World, trade: Trade) -> None:
    await world.captures.capture(trade.producer, document(inspecting(trade.uri)), None, CTX)

    with pytest.raises(MalformedInput) as exc:
        await world.captures.capture(trade.producer, document(inspecting(trade.uri)), None, CTX)

    assert "was captured before" in refusal(exc)[0][1]


async def test_viewers_proceed_and_other_organisations_jobs_are_refused(
    world: World, trade: Trade
) -> None:
    viewer = replace(trade.producer, member_role=MemberRole.VIEWER)
    job = await world.captures.capture(trade.producer, document(inspecting(trade.uri)), None, CTX)

    with pytest.raises(NotPermitted):
        await world.captures.capture(viewer, document(inspecting(trade.uri)), None, CTX)
    with pytest.raises(MalformedInput) as proceed:
        await world.captures.capture(
            trade.producer, document(inspecting(trade.uri)), "proceed", CTX
        )
    with pytest.raises(NotFound):
        await world.captures.get(trade.buyer, job.id)

    assert refusal(proceed)[0][0] == "GS1-Capture-Error-Behaviour"


def test_what_is_stored_validates_against_gs1s_schema() -> None:
    (shipped,) = read_capture(document(shipping(LOT, BUYER)), SCHEMA)
    stored = {**shipped.event, "recordTime": "2026-10-04T12:00:00.000+00:00"}

    assert schema_problems(document(stored), SCHEMA) == []
