from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from api.application.organisations import Organisations, hash_invitation_token
from api.application.ports import AccessClaims
from api.domain.errors import (
    Conflict,
    Hidden,
    NotAuthenticated,
    NotPermitted,
    ValidationFailed,
)
from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.domain.users import Actor, Role
from tests.support.builders import CTX
from tests.support.fakes import (
    FakeAuditLog,
    FakeClock,
    FakeInvitations,
    FakeMailer,
    FakeOrganisations,
    FakeRoleCache,
    FakeUsers,
    NullUnitOfWork,
)

COMPANY = NewOrganisation("Finca La Loma", "MX", frozenset({Activity.PRODUCER}))


class Failing:
    async def send_invitation(self, *args: object) -> bool:
        raise OSError("mail server down")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def users():
    return FakeUsers()


@pytest.fixture
def audit():
    return FakeAuditLog()


@pytest.fixture
def mailer():
    return FakeMailer()


@pytest.fixture
def invitations():
    return FakeInvitations()


@pytest.fixture
def roles():
    return FakeRoleCache()


@pytest.fixture
def orgs(users, audit, clock, mailer, invitations, roles):
    repo = FakeOrganisations(users)
    return Organisations(repo, invitations, users, audit, NullUnitOfWork(), clock, mailer, roles)


@pytest.fixture
def person(users, clock):
    async def make(email: str | None = None):
        email = email or f"{uuid4().hex[:8]}@example.com"
        user = await users.add(email, "Someone", Role.PRODUCER, "x", clock.now())
        return user, Actor(user.id, Role.PRODUCER)

    return make


async def test_the_maker_owns_the_organisation_and_it_is_audited(orgs, person, audit):
    _, ana = await person()
    org = await orgs.create(ana, COMPANY, CTX)

    mine = await orgs.mine(ana)
    assert [(m.organisation.id, m.role) for m in mine] == [
        (ana.id, MemberRole.OWNER),
        (org.id, MemberRole.OWNER),
    ]
    assert audit.of("organisation.created")[0].target_id == str(org.id)


async def test_an_invitation_is_mailed_hashed_and_accepted_once(orgs, person, mailer, invitations):
    _, ana = await person()
    bo_user, _ = await person("bo@example.com")
    org = await orgs.create(ana, COMPANY, CTX)

    invitation, token, mailed = await orgs.invite(
        ana, org.id, "Bo@Example.com", MemberRole.VIEWER, CTX
    )

    assert mailed
    assert mailer.sent[0][0] == "bo@example.com"
    assert mailer.sent[0][3] == token
    # Only the token's hash is kept.
    assert list(invitations.hashes) == [hash_invitation_token(token)]
    joined = await orgs.accept(bo_user, token, CTX)
    assert (joined.organisation.id, joined.role) == (org.id, MemberRole.VIEWER)
    with pytest.raises(ValidationFailed):
        await orgs.accept(bo_user, token, CTX)
    assert invitation.id in invitations.rows


async def test_an_invitation_expires(orgs, person, clock):
    _, ana = await person()
    bo_user, _ = await person("bo@example.com")
    org = await orgs.create(ana, COMPANY, CTX)
    _, token, _ = await orgs.invite(ana, org.id, bo_user.email, MemberRole.MANAGER, CTX)

    clock.advance(timedelta(days=7))

    with pytest.raises(ValidationFailed):
        await orgs.accept(bo_user, token, CTX)
    with pytest.raises(ValidationFailed):
        await orgs.check_invitation(token, bo_user.email)
    listed = await orgs.invitations_of(ana, org.id)
    assert listed[0].state(clock.now()) == "expired"


async def test_an_invitation_is_for_its_own_email_only(orgs, person):
    _, ana = await person()
    eve_user, _ = await person()
    org = await orgs.create(ana, COMPANY, CTX)
    _, token, _ = await orgs.invite(ana, org.id, "bo@example.com", MemberRole.OWNER, CTX)

    with pytest.raises(NotPermitted):
        await orgs.accept(eve_user, token, CTX)


async def test_a_mail_failure_leaves_the_invitation_standing(
    users, audit, clock, invitations, person
):
    orgs = Organisations(
        FakeOrganisations(users),
        invitations,
        users,
        audit,
        NullUnitOfWork(),
        clock,
        Failing(),
        FakeRoleCache(),
    )
    _, ana = await person()
    org = await orgs.create(ana, COMPANY, CTX)

    invitation, token, mailed = await orgs.invite(
        ana, org.id, "bo@example.com", MemberRole.VIEWER, CTX
    )

    assert not mailed
    assert invitations.rows[invitation.id].state(clock.now()) == "pending"
    assert token


async def test_the_last_owner_stays(orgs, person):
    _, ana = await person()
    org = await orgs.create(ana, COMPANY, CTX)

    with pytest.raises(Conflict):
        await orgs.change_member(ana, org.id, ana.id, MemberRole.MANAGER, CTX)
    with pytest.raises(Conflict):
        await orgs.remove_member(ana, org.id, ana.id, CTX)


async def test_only_owners_manage_and_strangers_see_nothing(orgs, person):
    _, ana = await person()
    bo_user, bo = await person()
    _, eve = await person()
    org = await orgs.create(ana, COMPANY, CTX)
    _, token, _ = await orgs.invite(ana, org.id, bo_user.email, MemberRole.MANAGER, CTX)
    await orgs.accept(bo_user, token, CTX)

    with pytest.raises(NotPermitted):
        await orgs.invite(bo, org.id, "x@example.com", MemberRole.OWNER, CTX)
    with pytest.raises(NotPermitted):
        await orgs.change_member(bo, org.id, bo.id, MemberRole.OWNER, CTX)
    with pytest.raises(Hidden):
        await orgs.members(eve, org.id)
    with pytest.raises(Hidden):
        await orgs.get(eve, org.id)
    # A member may leave on their own.
    await orgs.remove_member(bo, org.id, bo.id, CTX)
    assert [m.user_id for m in await orgs.members(ana, org.id)] == [ana.id]


async def test_the_actor_carries_the_role_held_now(orgs, person):
    _, ana = await person()
    bo_user, bo = await person()
    org = await orgs.create(ana, COMPANY, CTX)
    _, token, _ = await orgs.invite(ana, org.id, bo_user.email, MemberRole.MANAGER, CTX)
    await orgs.accept(bo_user, token, CTX)
    claims = AccessClaims(bo.id, Role.PRODUCER, uuid4(), "jti", CTX_EXPIRY, organisation_id=org.id)

    assert (await orgs.actor(claims)).member_role == MemberRole.MANAGER
    await orgs.change_member(ana, org.id, bo.id, MemberRole.VIEWER, CTX)
    acting = await orgs.actor(claims)
    assert (acting.org, acting.member_role, acting.operates) == (org.id, MemberRole.VIEWER, False)
    await orgs.remove_member(ana, org.id, bo.id, CTX)
    with pytest.raises(NotAuthenticated):
        await orgs.actor(claims)


async def with_manager(orgs: Organisations, person: Any) -> tuple[Actor, Actor, Any]:
    """Ana's new organisation, with Bo in it as a manager."""
    _, ana = await person()
    bo_user, bo = await person()
    org = await orgs.create(ana, COMPANY, CTX)
    _, token, _ = await orgs.invite(ana, org.id, bo_user.email, MemberRole.MANAGER, CTX)
    await orgs.accept(bo_user, token, CTX)
    return ana, bo, org


async def test_the_role_read_is_kept_and_a_change_clears_it_first(orgs, person, roles):
    ana, bo, org = await with_manager(orgs, person)
    claims = AccessClaims(
        bo.id, Role.PRODUCER, uuid4(), "jti", CTX_EXPIRY, epoch="7.000001", organisation_id=org.id
    )

    await orgs.actor(claims)
    assert roles.role((org.id, bo.id), "7.000001") == MemberRole.MANAGER
    # What the guard read with the request is used as it is.
    kept = await orgs.actor(claims, MemberRole.MANAGER)
    assert (kept.org, kept.member_role) == (org.id, MemberRole.MANAGER)

    await orgs.change_member(ana, org.id, bo.id, MemberRole.VIEWER, CTX)
    assert roles.role((org.id, bo.id), "7.000001") is None
    # Nothing is kept while the change's mark stands.
    assert (await orgs.actor(claims)).member_role == MemberRole.VIEWER
    assert roles.role((org.id, bo.id), "7.000001") is None


async def test_no_membership_changes_while_roles_cannot_be_cleared(orgs, person, roles):
    ana, bo, org = await with_manager(orgs, person)

    roles.down = True
    with pytest.raises(RedisConnectionError):
        await orgs.change_member(ana, org.id, bo.id, MemberRole.VIEWER, CTX)
    with pytest.raises(RedisConnectionError):
        await orgs.remove_member(ana, org.id, bo.id, CTX)
    with pytest.raises(RedisConnectionError):
        await orgs.remove_member(bo, org.id, bo.id, CTX)
    members = {m.user_id: m.role for m in await orgs.members(ana, org.id)}
    assert members == {ana.id: MemberRole.OWNER, bo.id: MemberRole.MANAGER}


async def test_a_token_without_an_organisation_acts_for_the_persons_own(orgs, person):
    _, ana = await person()
    claims = AccessClaims(ana.id, Role.PRODUCER, uuid4(), "jti", CTX_EXPIRY)

    acting = await orgs.actor(claims)

    assert (acting.org, acting.member_role) == (ana.id, MemberRole.OWNER)


async def test_machine_clients_do_not_manage_organisations(orgs, person):
    _, ana = await person()
    org = await orgs.create(ana, COMPANY, CTX)
    robot = Actor(uuid4(), Role.PRODUCER, org.id, MemberRole.MANAGER, "erp", frozenset())

    with pytest.raises(NotPermitted):
        await orgs.create(robot, COMPANY, CTX)
    with pytest.raises(NotPermitted):
        await orgs.invite(robot, org.id, "x@example.com", MemberRole.OWNER, CTX)


CTX_EXPIRY = FakeClock().now() + timedelta(minutes=15)
