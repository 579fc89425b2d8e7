"""Organisations and their members."""

from datetime import datetime
from uuid import UUID, uuid4

from tortoise import connections

from api.domain.organisations import (
    Activity,
    Member,
    MemberRole,
    Membership,
    NewOrganisation,
    Organisation,
)
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.models import MembershipRow, OrganisationRow
from api.infrastructure.metrics import timed

GLN_TAKEN = "an organisation with this GLN exists"
ROLE_OF = "SELECT role FROM memberships WHERE organisation_id = $1 AND user_id = $2"
# Their own organisation first, then the others in the order they joined.
DEFAULT_FOR = (
    "SELECT organisation_id FROM memberships WHERE user_id = $1"
    " ORDER BY organisation_id = $1 DESC, created_at, organisation_id LIMIT 1"
)


def _to_organisation(row: OrganisationRow) -> Organisation:
    activities = {Activity.PRODUCER} if row.produces else set()
    if row.buys:
        activities.add(Activity.BUYER)
    return Organisation(
        id=row.id,
        name=row.name,
        country=row.country,
        activities=frozenset(activities),
        created_at=row.created_at,
        updated_at=row.updated_at,
        phone=row.phone,
        gln=row.gln,
    )


class PgOrganisations:
    @timed("db", "organisations.add")
    async def add(
        self, new: NewOrganisation, at: datetime, organisation_id: UUID | None = None
    ) -> Organisation:
        async with unique_as_conflict(GLN_TAKEN):
            row = await OrganisationRow.create(
                id=organisation_id or uuid4(),
                name=new.name,
                country=new.country,
                phone=new.phone,
                gln=new.gln,
                produces=Activity.PRODUCER in new.activities,
                buys=Activity.BUYER in new.activities,
                created_at=at,
                updated_at=at,
            )
        return _to_organisation(row)

    @timed("db", "organisations.get")
    async def get(self, organisation_id: UUID) -> Organisation | None:
        row = await OrganisationRow.get_or_none(id=organisation_id)
        return _to_organisation(row) if row else None

    @timed("db", "organisations.by_gln")
    async def by_gln(self, gln: str) -> Organisation | None:
        row = await OrganisationRow.get_or_none(gln=gln)
        return _to_organisation(row) if row else None

    @timed("db", "organisations.update")
    async def update(self, organisation: Organisation) -> None:
        async with unique_as_conflict(GLN_TAKEN):
            await OrganisationRow.filter(id=organisation.id).update(
                name=organisation.name,
                country=organisation.country,
                phone=organisation.phone,
                gln=organisation.gln,
                produces=organisation.produces,
                buys=organisation.buys,
                updated_at=organisation.updated_at,
            )

    @timed("db", "memberships.add")
    async def add_member(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None:
        async with unique_as_conflict("this person is a member already"):
            await MembershipRow.create(
                id=uuid4(),
                organisation_id=organisation_id,
                user_id=user_id,
                role=role,
                created_at=at,
                updated_at=at,
            )

    @timed("db", "memberships.role_of")
    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None:
        rows = await connections.get("default").execute_query_dict(
            ROLE_OF, [organisation_id, user_id]
        )
        return MemberRole(rows[0]["role"]) if rows else None

    @timed("db", "memberships.default_for")
    async def default_for(self, user_id: UUID) -> UUID | None:
        rows = await connections.get("default").execute_query_dict(DEFAULT_FOR, [user_id])
        return UUID(str(rows[0]["organisation_id"])) if rows else None

    @timed("db", "memberships.of_user")
    async def memberships(self, user_id: UUID) -> list[Membership]:
        rows = (
            await MembershipRow.filter(user_id=user_id)
            .prefetch_related("organisation")
            .order_by("created_at", "organisation_id")
        )
        return [
            Membership(_to_organisation(row.organisation), MemberRole(row.role)) for row in rows
        ]

    @timed("db", "memberships.of_organisation")
    async def members(self, organisation_id: UUID) -> list[Member]:
        rows = (
            await MembershipRow.filter(organisation_id=organisation_id)
            .prefetch_related("user")
            .order_by("created_at", "user_id")
        )
        return [
            Member(
                user_id=row.user.id,
                organisation_id=organisation_id,
                role=MemberRole(row.role),
                email=row.user.email,
                full_name=row.user.full_name,
                created_at=row.created_at,
            )
            for row in rows
        ]

    @timed("db", "memberships.owners_for_update")
    async def owners_for_update(self, organisation_id: UUID) -> list[UUID]:
        rows = await MembershipRow.filter(
            organisation_id=organisation_id, role=MemberRole.OWNER
        ).select_for_update()
        return sorted(row.user_id for row in rows)  # type: ignore[attr-defined]

    @timed("db", "memberships.set_role")
    async def set_role(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None:
        await MembershipRow.filter(organisation_id=organisation_id, user_id=user_id).update(
            role=role, updated_at=at
        )

    @timed("db", "memberships.remove")
    async def remove_member(self, organisation_id: UUID, user_id: UUID) -> None:
        await MembershipRow.filter(organisation_id=organisation_id, user_id=user_id).delete()

    @timed("db", "organisations.buyers_of")
    async def buyers_of(self, user_id: UUID) -> list[Organisation]:
        rows = await OrganisationRow.filter(memberships__user_id=user_id, buys=True).order_by(
            "created_at", "id"
        )
        found = [_to_organisation(row) for row in rows]
        return sorted(found, key=lambda org: org.id != user_id)
