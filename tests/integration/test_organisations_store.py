"""The organisations and invitations repositories: one suite for the PostgreSQL adapters and the
fakes the unit and HTTP tests use, so that the fakes cannot drift from what the database does."""

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from api.application.ports import InvitationRepository, OrganisationRepository, UserRepository
from api.application.registration import personal_organisation
from api.domain.errors import Conflict
from api.domain.organisations import Activity, Invitation, MemberRole, NewOrganisation
from api.domain.users import Role, User
from api.infrastructure.db.invitations import PgInvitations
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.users import PgUsers
from api.presentation.context import Services
from tests.support.builders import random_gln
from tests.support.fakes import FakeInvitations, FakeOrganisations, FakeUsers

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BUYER = frozenset({Activity.BUYER})
PRODUCER = frozenset({Activity.PRODUCER})


@dataclass
class Store:
    users: UserRepository
    orgs: OrganisationRepository
    invitations: InvitationRepository

    async def person(self, role: Role = Role.BUYER) -> User:
        """A registered person with their own organisation, as registration makes them."""
        now = datetime.now(UTC)
        user = await self.users.add(f"{uuid.uuid4().hex}@example.com", "Pat", role, "x", now)
        await self.orgs.add(personal_organisation("Pat", role), now, user.id)
        await self.orgs.add_member(user.id, user.id, MemberRole.OWNER, now)
        return user


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, services: Services) -> Store:
    if request.param == "memory":
        users = FakeUsers()
        return Store(users, FakeOrganisations(users), FakeInvitations())
    return Store(PgUsers(), PgOrganisations(), PgInvitations())


async def test_an_organisation_reads_back_and_its_gln_is_its_own(store: Store) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    code = random_gln()
    made = await store.orgs.add(NewOrganisation("Packer", "US", BUYER, "+1 555 0100", code), now)

    assert await store.orgs.get(made.id) == made
    assert await store.orgs.by_gln(code) == made
    assert (made.buys, made.produces, made.country) == (True, False, "US")
    with pytest.raises(Conflict):
        await store.orgs.add(NewOrganisation("Copycat", "US", BUYER, None, code), now)
    changed = replace(made, name="Packer Inc", activities=BUYER | PRODUCER, gln=None)
    await store.orgs.update(changed)
    assert await store.orgs.get(made.id) == changed
    assert await store.orgs.by_gln(code) is None
    assert await store.orgs.get(uuid.uuid4()) is None


async def test_members_join_change_and_leave(store: Store) -> None:
    ana, bo = await store.person(Role.PRODUCER), await store.person()
    now = datetime.now(UTC)
    org = await store.orgs.add(NewOrganisation("Farm", "MX", PRODUCER), now)
    await store.orgs.add_member(org.id, ana.id, MemberRole.OWNER, now)
    await store.orgs.add_member(org.id, bo.id, MemberRole.VIEWER, now + timedelta(seconds=1))

    with pytest.raises(Conflict):
        await store.orgs.add_member(org.id, bo.id, MemberRole.MANAGER, now)
    assert await store.orgs.role_of(org.id, bo.id) == MemberRole.VIEWER
    assert await store.orgs.owners_for_update(org.id) == [ana.id]
    members = await store.orgs.members(org.id)
    assert [(m.user_id, m.role, m.email) for m in members] == [
        (ana.id, MemberRole.OWNER, ana.email),
        (bo.id, MemberRole.VIEWER, bo.email),
    ]

    await store.orgs.set_role(org.id, bo.id, MemberRole.OWNER, now)
    assert await store.orgs.owners_for_update(org.id) == sorted([ana.id, bo.id])
    await store.orgs.remove_member(org.id, ana.id)
    assert await store.orgs.role_of(org.id, ana.id) is None
    assert [m.user_id for m in await store.orgs.members(org.id)] == [bo.id]


async def test_a_persons_default_is_their_own_then_the_first_they_joined(store: Store) -> None:
    bo = await store.person()
    now = datetime.now(UTC)
    first = await store.orgs.add(NewOrganisation("First", "MX", BUYER), now)
    # Made before `first`, joined after it.
    second = await store.orgs.add(NewOrganisation("Second", "MX", BUYER), now - timedelta(days=1))
    await store.orgs.add_member(second.id, bo.id, MemberRole.MANAGER, now + timedelta(seconds=2))
    await store.orgs.add_member(first.id, bo.id, MemberRole.MANAGER, now + timedelta(seconds=1))

    assert await store.orgs.default_for(bo.id) == bo.id
    assert [m.organisation.id for m in await store.orgs.memberships(bo.id)] == [
        bo.id,
        first.id,
        second.id,
    ]
    # Their own first, then by when the organisations were made.
    assert [o.id for o in await store.orgs.buyers_of(bo.id)] == [bo.id, second.id, first.id]
    await store.orgs.remove_member(bo.id, bo.id)
    assert await store.orgs.default_for(bo.id) == first.id
    assert await store.orgs.default_for(uuid.uuid4()) is None


async def test_an_invitation_is_found_by_its_hash_and_keeps_its_outcome(store: Store) -> None:
    ana = await store.person(Role.PRODUCER)
    now = datetime.now(UTC).replace(microsecond=0)
    made = [
        Invitation(uuid.uuid4(), ana.id, f"{n}@example.com", MemberRole.VIEWER, ana.id,
                   now + timedelta(seconds=n), now + timedelta(days=7))
        for n in range(2)
    ]  # fmt: skip
    hashes = [hashlib.sha256(uuid.uuid4().bytes).hexdigest() for _ in made]
    for invitation, token_hash in zip(made, hashes, strict=True):
        await store.invitations.add(invitation, token_hash)

    assert await store.invitations.by_hash_for_update(hashes[0]) == made[0]
    assert await store.invitations.by_hash_for_update("0" * 64) is None
    accepted = replace(made[0], accepted_at=now, accepted_by=ana.id)
    await store.invitations.save(accepted)
    assert await store.invitations.get(made[0].id) == accepted
    assert await store.invitations.of(ana.id) == [made[1], accepted]
