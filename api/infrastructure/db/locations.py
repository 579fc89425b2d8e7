"""Organisations' locations."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from tortoise import connections

from api.application.pagination import Cursor
from api.domain.locations import Location, LocationKind
from api.infrastructure.db.models import LocationRow
from api.infrastructure.db.transactions import older_than
from api.infrastructure.db.values import as_datetime, as_uuid
from api.infrastructure.metrics import timed

# The locations table's columns, named as the domain's fields; location_from_row() is its one
# row mapper.
COLUMNS = (
    "id", "organisation_id", "name", "kind", "country", "created_by", "created_at",
    "updated_at", "street", "city", "region", "postal_code", "latitude", "longitude", "phone",
    "gln", "gln_extension", "parent_id", "archived_at",
)  # fmt: skip
# What a change may not touch.
FIXED = frozenset({"id", "organisation_id", "created_by", "created_at"})
# A row lock that FOREIGN KEY checks (KEY SHARE) pass: batches and members of the organisation
# are still added meanwhile.
LOCK = "SELECT 1 FROM organisations WHERE id = $1 FOR NO KEY UPDATE"


def location_from_row(row: Mapping[str, Any]) -> Location:
    return Location(
        id=as_uuid(row["id"]),
        organisation_id=as_uuid(row["organisation_id"]),
        name=row["name"],
        kind=LocationKind(row["kind"]),
        country=row["country"],
        created_by=as_uuid(row["created_by"]),
        created_at=as_datetime(row["created_at"]),
        updated_at=as_datetime(row["updated_at"]),
        street=row["street"],
        city=row["city"],
        region=row["region"],
        postal_code=row["postal_code"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        phone=row["phone"],
        gln=row["gln"],
        gln_extension=row["gln_extension"],
        parent_id=row["parent_id"] and as_uuid(row["parent_id"]),
        archived_at=row["archived_at"] and as_datetime(row["archived_at"]),
    )


def _values(location: Location, columns: Sequence[str]) -> dict[str, Any]:
    return {column: getattr(location, column) for column in columns}


class PgLocations:
    @timed("db", "locations.add")
    async def add(self, location: Location) -> None:
        await LocationRow.create(**_values(location, COLUMNS))

    @timed("db", "locations.get")
    async def get(self, location_id: UUID) -> Location | None:
        rows = await LocationRow.filter(id=location_id).values(*COLUMNS)
        return location_from_row(rows[0]) if rows else None

    @timed("db", "locations.update")
    async def update(self, location: Location) -> None:
        changeable = [column for column in COLUMNS if column not in FIXED]
        await LocationRow.filter(id=location.id).update(**_values(location, changeable))

    @timed("db", "locations.page")
    async def page(
        self, organisation_id: UUID, archived: bool, after: Cursor | None, limit: int
    ) -> Sequence[Location]:
        query = LocationRow.filter(
            organisation_id=organisation_id, archived_at__isnull=not archived
        )
        if after is not None:
            query = query.filter(older_than(after))
        rows = await query.order_by("-created_at", "-id").limit(limit).values(*COLUMNS)
        return [location_from_row(row) for row in rows]

    @timed("db", "locations.by_gln")
    async def by_gln(
        self, organisation_id: UUID, gln: str, gln_extension: str | None
    ) -> Location | None:
        rows = (
            await LocationRow.filter(
                organisation_id=organisation_id, gln=gln, gln_extension=gln_extension
            )
            .limit(1)
            .values(*COLUMNS)
        )
        return location_from_row(rows[0]) if rows else None

    @timed("db", "locations.lock")
    async def lock(self, organisation_id: UUID) -> None:
        await connections.get("default").execute_query(LOCK, [organisation_id])
