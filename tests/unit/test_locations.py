"""Locations: who may keep an organisation's sites, and the rules a site keeps."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from api.application.locations import Locations
from api.domain.errors import Conflict, Hidden, NotFound, NotPermitted, ValidationFailed
from api.domain.locations import Location, LocationKind, NewLocation
from api.domain.organisations import MemberRole
from api.domain.users import Actor, Role
from api.presentation.schemas.locations import LocationOut, location_json
from tests.support.builders import CTX
from tests.support.fakes import (
    FakeAuditLog,
    FakeClock,
    FakeLocations,
    FakeOrganisations,
    FakeUsers,
    NullUnitOfWork,
)

FARM = NewLocation("La Loma", LocationKind.FARM, "MX", region="Michoacan", gln="7501234000017")


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
def organisations(users):
    return FakeOrganisations(users)


@pytest.fixture
def repo():
    return FakeLocations()


@pytest.fixture
def locations(repo, organisations, audit, clock):
    return Locations(repo, organisations, audit, NullUnitOfWork(), clock)


@pytest.fixture
def person(users, clock):
    """A person acting for their own organisation (which shares their id), as its owner."""

    async def make() -> Actor:
        user = await users.add(
            f"{uuid4().hex}@example.com", "Someone", Role.PRODUCER, "x", clock.now()
        )
        return Actor(user.id, Role.PRODUCER)

    return make


@pytest.fixture
async def owner(person):
    return await person()


@pytest.fixture
def member(person, organisations, clock):
    """A person who joined `owner`'s organisation with a role, acting for their own."""

    async def make(organisation: Actor, role: MemberRole) -> Actor:
        someone: Actor = await person()
        await organisations.add_member(organisation.id, someone.id, role, clock.now())
        return someone

    return make


def client_of(organisation: Actor) -> Actor:
    return Actor(uuid4(), Role.PRODUCER, organisation.id, MemberRole.MANAGER, "erp", frozenset())


async def test_an_owner_adds_a_farm_and_a_field_inside_it(locations, owner, audit):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    field = await locations.create(
        owner,
        owner.id,
        NewLocation("Lote 3", LocationKind.FIELD, "MX", gln=FARM.gln, gln_extension="LOTE-3",
                    parent_id=farm.id),
        CTX,
    )  # fmt: skip

    assert (farm.organisation_id, farm.created_by, farm.archived_at) == (owner.id, owner.id, None)
    assert field.parent_id == farm.id
    assert await locations.get(owner, owner.id, field.id) == field
    created = audit.of("location.created")
    assert [(e.target_type, e.target_id) for e in created] == [
        ("location", str(farm.id)),
        ("location", str(field.id)),
    ]
    assert created[0].metadata == {"organisation_id": str(owner.id)}


async def test_managers_and_the_organisations_machine_client_add_locations(
    locations, owner, member
):
    manager = await member(owner, MemberRole.MANAGER)

    by_manager = await locations.create(manager, owner.id, FARM, CTX)
    by_client = await locations.create(client_of(owner), owner.id, replace(FARM, gln=None), CTX)

    assert by_manager.organisation_id == by_client.organisation_id == owner.id


async def test_a_viewer_reads_the_locations_but_cannot_change_them(locations, owner, member):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    viewer = await member(owner, MemberRole.VIEWER)

    assert await locations.get(viewer, owner.id, farm.id) == farm
    assert (await locations.list(viewer, owner.id, False, None, 20)).items == [farm]
    with pytest.raises(NotPermitted):
        await locations.create(viewer, owner.id, FARM, CTX)
    with pytest.raises(NotPermitted):
        await locations.update(viewer, owner.id, farm.id, {"name": "Mine now"}, CTX)
    with pytest.raises(NotPermitted):
        await locations.archive(viewer, owner.id, farm.id, CTX)


async def test_an_organisation_the_caller_is_not_in_does_not_exist_for_them(
    locations, owner, person
):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    stranger = await person()
    calls = [
        locations.get(stranger, owner.id, farm.id),
        locations.list(stranger, owner.id, False, None, 20),
        locations.create(stranger, owner.id, FARM, CTX),
        locations.update(stranger, owner.id, farm.id, {"name": "X"}, CTX),
        locations.archive(stranger, owner.id, farm.id, CTX),
        # A machine client acts for its own organisation only.
        locations.get(client_of(stranger), owner.id, farm.id),
    ]
    for call in calls:
        with pytest.raises(Hidden) as refused:
            await call
        assert refused.value.target_type == "organisation"


async def test_another_organisations_location_is_hidden_under_mine(locations, owner, person):
    theirs = await locations.create(owner, owner.id, FARM, CTX)
    other = await person()

    for call in (
        locations.get(other, other.id, theirs.id),
        locations.update(other, other.id, theirs.id, {"name": "X"}, CTX),
        locations.archive(other, other.id, theirs.id, CTX),
    ):
        with pytest.raises(Hidden) as refused:
            await call
        assert (refused.value.target_type, refused.value.target_id) == ("location", str(theirs.id))


async def test_an_unknown_location_is_simply_not_found(locations, owner):
    with pytest.raises(NotFound) as missing:
        await locations.get(owner, owner.id, uuid4())

    assert not isinstance(missing.value, Hidden)


async def test_a_gln_and_extension_are_unique_within_one_organisation(locations, owner, person):
    await locations.create(owner, owner.id, FARM, CTX)
    other = await person()

    with pytest.raises(Conflict):
        await locations.create(owner, owner.id, replace(FARM, name="Again"), CTX)
    # Another extension of the same GLN, and the same GLN in another organisation, are fine.
    await locations.create(owner, owner.id, replace(FARM, gln_extension="2"), CTX)
    await locations.create(other, other.id, FARM, CTX)
    second = await locations.create(owner, owner.id, replace(FARM, gln=None), CTX)
    with pytest.raises(Conflict):
        await locations.update(owner, owner.id, second.id, {"gln": FARM.gln}, CTX)


async def test_an_archived_location_keeps_its_gln(locations, owner):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    await locations.archive(owner, owner.id, farm.id, CTX)

    with pytest.raises(Conflict):
        await locations.create(owner, owner.id, FARM, CTX)


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (replace(FARM, latitude=Decimal("19.4")), "longitude"),
        (replace(FARM, longitude=Decimal("-102.1")), "latitude"),
        (replace(FARM, gln=None, gln_extension="LOTE-3"), "gln_extension"),
    ],
)
async def test_fields_that_go_together_are_refused_apart(locations, owner, new, field):
    with pytest.raises(ValidationFailed) as refused:
        await locations.create(owner, owner.id, new, CTX)

    assert [issue.field for issue in refused.value.details] == [field]


async def test_removing_the_gln_of_a_location_with_an_extension_is_refused(locations, owner):
    field = await locations.create(owner, owner.id, replace(FARM, gln_extension="L3"), CTX)

    with pytest.raises(ValidationFailed) as refused:
        await locations.update(owner, owner.id, field.id, {"gln": None}, CTX)

    assert refused.value.details[0].field == "gln_extension"


async def test_a_parent_must_be_an_active_location_of_the_same_organisation(
    locations, owner, person
):
    other = await person()
    theirs = await locations.create(other, other.id, FARM, CTX)
    archived = await locations.create(owner, owner.id, replace(FARM, gln=None), CTX)
    await locations.archive(owner, owner.id, archived.id, CTX)

    for parent_id in (theirs.id, archived.id, uuid4()):
        with pytest.raises(ValidationFailed) as refused:
            await locations.create(owner, owner.id, replace(FARM, parent_id=parent_id), CTX)
        assert refused.value.details[0].field == "parent_id"


async def test_a_location_cannot_be_put_inside_itself_or_its_own_fields(locations, owner):
    farm = await locations.create(owner, owner.id, replace(FARM, gln=None), CTX)
    field = await locations.create(
        owner, owner.id, NewLocation("Lote", LocationKind.FIELD, "MX", parent_id=farm.id), CTX
    )
    corner = await locations.create(
        owner, owner.id, NewLocation("Esquina", LocationKind.FIELD, "MX", parent_id=field.id), CTX
    )

    for parent_id in (farm.id, corner.id):
        with pytest.raises(ValidationFailed) as refused:
            await locations.update(owner, owner.id, farm.id, {"parent_id": parent_id}, CTX)
        assert refused.value.details[0].field == "parent_id"


async def test_a_location_keeps_an_archived_parent_it_already_had(locations, owner):
    farm = await locations.create(owner, owner.id, replace(FARM, gln=None), CTX)
    field = await locations.create(
        owner, owner.id, NewLocation("Lote", LocationKind.FIELD, "MX", parent_id=farm.id), CTX
    )
    await locations.archive(owner, owner.id, farm.id, CTX)

    renamed = await locations.update(owner, owner.id, field.id, {"name": "Lote 1"}, CTX)

    assert (renamed.name, renamed.parent_id) == ("Lote 1", farm.id)


async def test_an_update_changes_the_fields_named_and_audits_which(locations, owner, audit, clock):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    later = clock.advance(minutes=5)

    changed = await locations.update(
        owner,
        owner.id,
        farm.id,
        {"city": "Uruapan", "latitude": Decimal("19.4117"), "longitude": Decimal("-102.0564"),
         "name": FARM.name},
        CTX,
    )  # fmt: skip

    assert changed == replace(
        farm,
        city="Uruapan",
        latitude=Decimal("19.4117"),
        longitude=Decimal("-102.0564"),
        updated_at=later,
    )
    assert await locations.get(owner, owner.id, farm.id) == changed
    assert audit.of("location.updated")[0].metadata == {
        "organisation_id": str(owner.id),
        "fields": ["city", "latitude", "longitude"],
    }


async def test_an_update_that_changes_nothing_writes_nothing(locations, owner, audit, clock):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    clock.advance(minutes=5)

    same = await locations.update(owner, owner.id, farm.id, {"name": FARM.name}, CTX)

    assert same == farm
    assert audit.of("location.updated") == []


async def test_archiving_moves_a_location_to_the_archived_list_once(locations, owner, audit, clock):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    at = clock.advance(hours=1)

    archived = await locations.archive(owner, owner.id, farm.id, CTX)
    clock.advance(hours=1)
    again = await locations.archive(owner, owner.id, farm.id, CTX)

    assert archived.archived_at == again.archived_at == at
    assert (await locations.list(owner, owner.id, False, None, 20)).items == []
    assert (await locations.list(owner, owner.id, True, None, 20)).items == [archived]
    assert len(audit.of("location.archived")) == 1


async def test_the_list_pages_newest_first(locations, owner, clock):
    made = []
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        made.append(
            await locations.create(owner, owner.id, replace(FARM, gln=None, name=f"{n}"), CTX)
        )

    first = await locations.list(owner, owner.id, False, None, 2)
    second = await locations.list(owner, owner.id, False, first.next_cursor, 2)
    third = await locations.list(owner, owner.id, False, second.next_cursor, 2)

    assert [x.name for x in first.items + second.items + third.items] == ["4", "3", "2", "1", "0"]
    assert third.next_cursor is None


async def test_every_write_holds_the_organisations_lock(locations, owner, repo):
    farm = await locations.create(owner, owner.id, FARM, CTX)
    await locations.update(owner, owner.id, farm.id, {"name": "Other"}, CTX)
    await locations.archive(owner, owner.id, farm.id, CTX)

    assert repo.locked == [owner.id] * 3


@pytest.mark.parametrize(
    "location",
    [
        Location(uuid4(), uuid4(), "La Loma", LocationKind.FARM, "MX", uuid4(),
                 FakeClock().now(), FakeClock().now()),
        Location(uuid4(), uuid4(), "Lote", LocationKind.FIELD, "MX", uuid4(),
                 FakeClock().now(), FakeClock().now(), street="Km 12", city="Uruapan",
                 region="Michoacan", postal_code="60000", latitude=Decimal("-0.5"),
                 longitude=Decimal("179.123456"), phone="+52 1", gln="7501234000017",
                 gln_extension="L3", parent_id=uuid4(), archived_at=FakeClock().now()),
    ],
)  # fmt: skip
def test_the_fast_renderer_matches_the_documented_schema(location):
    assert location_json(location) == LocationOut.model_validate(location).model_dump(mode="json")
