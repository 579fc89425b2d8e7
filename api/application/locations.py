"""Use cases for locations: an organisation's sites, kept by its owners and managers and read
by every member (docs/API.md, "Locations")."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields, replace
from uuid import UUID, uuid4

from api.application.organisations import role_in
from api.application.pagination import Cursor, Page
from api.application.ports import (
    AuditLog,
    Clock,
    LocationRepository,
    OrganisationRepository,
    UnitOfWork,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.errors import (
    Conflict,
    FieldIssue,
    Hidden,
    NotFound,
    NotPermitted,
    ValidationFailed,
)
from api.domain.locations import Location, NewLocation, ensure_consistent
from api.domain.organisations import MemberRole
from api.domain.users import Actor

# What a change may set: what a new location is made of.
EDITABLE = frozenset(f.name for f in fields(NewLocation))
# How far up a chain of parents is followed; a deeper nesting is refused.
MAX_DEPTH = 32
NO_PARENT = "no active location of this organisation has this id"
GLN_TAKEN = "another location of this organisation has this GLN and extension"


@dataclass
class Locations:
    repo: LocationRepository
    organisations: OrganisationRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock

    async def create(
        self, actor: Actor, organisation_id: UUID, new: NewLocation, ctx: RequestContext
    ) -> Location:
        await self._operator(actor, organisation_id)
        now = self.clock.now()
        location = Location(
            id=uuid4(),
            organisation_id=organisation_id,
            created_by=actor.id,
            created_at=now,
            updated_at=now,
            **asdict(new),
        )
        ensure_consistent(location)
        async with self._writing(organisation_id):
            await self._check_place(location, None)
            await self.repo.add(location)
            await self._audit("location.created", actor, location, ctx, {})
        return location

    async def get(self, actor: Actor, organisation_id: UUID, location_id: UUID) -> Location:
        await self._role(actor, organisation_id)
        return await self._find(organisation_id, location_id)

    async def list(
        self,
        actor: Actor,
        organisation_id: UUID,
        archived: bool,
        cursor: str | None,
        limit: int,
    ) -> Page[Location]:
        await self._role(actor, organisation_id)
        after = Cursor.decode(cursor) if cursor else None
        rows = await self.repo.page(organisation_id, archived, after, limit + 1)
        return Page.from_rows(list(rows), limit)

    async def update(
        self,
        actor: Actor,
        organisation_id: UUID,
        location_id: UUID,
        changes: dict[str, object],
        ctx: RequestContext,
    ) -> Location:
        """Change the fields named; an archived location may still be corrected."""
        if not changes.keys() <= EDITABLE:
            raise ValueError(f"not editable: {sorted(changes.keys() - EDITABLE)}")
        await self._operator(actor, organisation_id)
        async with self._writing(organisation_id):
            current = await self._find(organisation_id, location_id)
            changed = replace(current, **changes)  # type: ignore[arg-type]
            if changed == current:
                return current
            changed = replace(changed, updated_at=self.clock.now())
            ensure_consistent(changed)
            await self._check_place(changed, current)
            await self.repo.update(changed)
            fields_changed = sorted(k for k in changes if getattr(current, k) != changes[k])
            await self._audit("location.updated", actor, changed, ctx, {"fields": fields_changed})
        return changed

    async def archive(
        self, actor: Actor, organisation_id: UUID, location_id: UUID, ctx: RequestContext
    ) -> Location:
        """No longer offered for new lots and shipments; what refers to it keeps it. Archiving
        an archived location changes nothing."""
        await self._operator(actor, organisation_id)
        async with self._writing(organisation_id):
            current = await self._find(organisation_id, location_id)
            if current.archived:
                return current
            now = self.clock.now()
            archived = replace(current, archived_at=now, updated_at=now)
            await self.repo.update(archived)
            await self._audit("location.archived", actor, archived, ctx, {})
        return archived

    @asynccontextmanager
    async def _writing(self, organisation_id: UUID) -> AsyncIterator[None]:
        # One organisation's location writes queue: GLNs stay unique and parents acyclic.
        async with self.unit_of_work.atomic(serial_key=f"locations:{organisation_id}"):
            await self.repo.lock(organisation_id)
            yield

    async def _check_place(self, location: Location, current: Location | None) -> None:
        """Its GLN is its own in the organisation, and its parent one of the organisation's
        active locations that does not lie inside it; checked when they change."""
        identity = (location.gln, location.gln_extension)
        if location.gln and (current is None or identity != (current.gln, current.gln_extension)):
            found = await self.repo.by_gln(
                location.organisation_id, location.gln, location.gln_extension
            )
            if found is not None and found.id != location.id:
                raise Conflict(GLN_TAKEN)
        if location.parent_id and (current is None or location.parent_id != current.parent_id):
            await self._check_parent(location, location.parent_id)

    async def _check_parent(self, location: Location, parent_id: UUID) -> None:
        parent = await self.repo.get(parent_id)
        if parent is None or not parent.usable_by(location.organisation_id):
            raise _bad_parent(NO_PARENT)
        for _ in range(MAX_DEPTH):
            if parent.id == location.id:
                raise _bad_parent("a location cannot lie inside one of its own sites")
            if parent.parent_id is None:
                return
            found = await self.repo.get(parent.parent_id)
            if found is None:
                return
            parent = found
        raise _bad_parent(f"locations nest at most {MAX_DEPTH} deep")

    async def _find(self, organisation_id: UUID, location_id: UUID) -> Location:
        """Another organisation's location does not exist for the caller: 404, audited."""
        location = await self.repo.get(location_id)
        if location is None:
            raise NotFound(f"location {location_id} not found")
        if location.organisation_id != organisation_id:
            raise Hidden(
                f"location {location_id} not found",
                target_type="location",
                target_id=str(location_id),
            )
        return location

    async def _role(self, actor: Actor, organisation_id: UUID) -> MemberRole:
        return await role_in(self.organisations, actor, organisation_id)

    async def _operator(self, actor: Actor, organisation_id: UUID) -> None:
        if not (await self._role(actor, organisation_id)).operates:
            raise NotPermitted(
                "viewers of an organisation cannot change its locations",
                target_type="organisation",
                target_id=str(organisation_id),
            )

    async def _audit(
        self,
        action: str,
        actor: Actor,
        location: Location,
        ctx: RequestContext,
        metadata: dict[str, object],
    ) -> None:
        metadata = {"organisation_id": str(location.organisation_id), **metadata}
        event = AuditEvent(action, actor.id, "location", str(location.id), ctx, metadata)
        await self.audit.record(event, self.clock.now())


def _bad_parent(issue: str) -> ValidationFailed:
    return ValidationFailed(
        "the parent location is not acceptable", [FieldIssue("parent_id", issue)]
    )
