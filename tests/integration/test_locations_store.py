"""The locations repository: one suite for the PostgreSQL adapter and the fake the unit tests use,
so that the fake cannot drift from what the database does."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from api.application.pagination import Cursor
from api.application.ports import LocationRepository
from api.domain.locations import Location, LocationKind
from api.infrastructure.db.locations import PgLocations
from api.presentation.context import Services
from tests.integration.conftest import producer
from tests.support.fakes import FakeLocations

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GLN = "7501234000017"


@pytest.fixture(params=["memory", "postgres"])
def repo(request: pytest.FixtureRequest, services: Services) -> LocationRepository:
    return FakeLocations() if request.param == "memory" else PgLocations()


def location(organisation_id: uuid.UUID, at: datetime, **fields: object) -> Location:
    made = Location(
        uuid.uuid4(), organisation_id, "La Loma", LocationKind.FARM, "MX", organisation_id, at, at
    )
    return replace(made, **fields)  # type: ignore[arg-type]


async def test_a_location_reads_back_as_it_was_stored(
    repo: LocationRepository, services: Services
) -> None:
    org = (await producer(services)).id
    now = datetime.now(UTC)
    farm = location(org, now, gln=GLN)
    field = location(
        org, now, name="Lote 3", kind=LocationKind.FIELD, street="Km 12", city="Uruapan",
        region="Michoacan", postal_code="60000", latitude=Decimal("19.4117"),
        longitude=Decimal("-102.056401"), phone="+52 1", gln=GLN, gln_extension="L3",
        parent_id=farm.id,
    )  # fmt: skip

    await repo.add(farm)
    await repo.add(field)

    assert await repo.get(farm.id) == farm
    assert await repo.get(field.id) == field
    assert await repo.get(uuid.uuid4()) is None


async def test_an_update_changes_all_but_its_identity_and_making(
    repo: LocationRepository, services: Services
) -> None:
    org = (await producer(services)).id
    now = datetime.now(UTC)
    farm = location(org, now)
    await repo.add(farm)
    later = now + timedelta(minutes=1)

    await repo.update(
        replace(farm, organisation_id=uuid.uuid4(), created_by=uuid.uuid4(), created_at=later,
                name="Renamed", updated_at=later, archived_at=later)
    )  # fmt: skip

    assert await repo.get(farm.id) == replace(
        farm, name="Renamed", updated_at=later, archived_at=later
    )


async def test_pages_are_newest_first_and_keep_archived_locations_apart(
    repo: LocationRepository, services: Services
) -> None:
    org = (await producer(services)).id
    at = datetime.now(UTC)
    # Equal timestamps: the id breaks the tie, so a page boundary loses and repeats nothing.
    active = [location(org, at) for _ in range(5)]
    archived = location(org, at, archived_at=at)
    for made in [*active, archived]:
        await repo.add(made)

    seen, after = [], None
    while True:
        page = list(await repo.page(org, False, after, 2))
        seen += page
        if len(page) < 2:
            break
        after = Cursor(page[-1].created_at, page[-1].id)

    assert [x.id for x in seen] == sorted((x.id for x in active), reverse=True)
    assert list(await repo.page(org, True, None, 10)) == [archived]
    assert list(await repo.page(uuid.uuid4(), False, None, 10)) == []


async def test_a_gln_is_found_with_its_extension_in_its_organisation_only(
    repo: LocationRepository, services: Services
) -> None:
    org, other = (await producer(services)).id, (await producer(services)).id
    now = datetime.now(UTC)
    farm, field = location(org, now, gln=GLN), location(org, now, gln=GLN, gln_extension="L3")
    await repo.add(farm)
    await repo.add(field)

    assert await repo.by_gln(org, GLN, None) == farm
    assert await repo.by_gln(org, GLN, "L3") == field
    assert await repo.by_gln(org, GLN, "L4") is None
    assert await repo.by_gln(other, GLN, None) is None
