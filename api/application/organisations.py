"""Use cases for organisations: making them, their members and invitations, and who a caller
acts as (docs/API.md, "Organisations")."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID, uuid4

from loguru import logger

from api.application.ports import (
    AccessClaims,
    AuditLog,
    Clock,
    InvitationRepository,
    Mailer,
    OrganisationRepository,
    RoleCache,
    UnitOfWork,
    UserRepository,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.emails import lookup_email
from api.domain.errors import (
    Conflict,
    FieldIssue,
    Hidden,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    ValidationFailed,
)
from api.domain.organisations import (
    Invitation,
    Member,
    MemberRole,
    Membership,
    NewOrganisation,
    Organisation,
)
from api.domain.users import Actor, User

INVITATION_TTL = timedelta(days=7)
BAD_INVITATION = "this invitation is not valid: it may be used, revoked or expired"


def hash_invitation_token(token: str) -> str:
    """Invitation tokens are 32 random bytes: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Organisations:
    repo: OrganisationRepository
    invitations: InvitationRepository
    users: UserRepository
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    mailer: Mailer
    roles: RoleCache
    invitation_ttl: timedelta = INVITATION_TTL

    async def actor(self, claims: AccessClaims, kept: MemberRole | None = None) -> Actor:
        """Who the caller acts as: a person in the organisation their token names (their own
        when it names none), with their role there now, not when the token was issued: the
        role `kept` for them (every change of a membership clears it first), else the one in
        the database, which is then kept."""
        if claims.client_name is not None:
            assert claims.organisation_id is not None
            return Actor(
                claims.user_id,
                claims.role,
                claims.organisation_id,
                MemberRole.MANAGER,
                claims.client_name,
                claims.scopes,
            )
        organisation_id = claims.acting_for
        if kept is not None:
            return Actor(claims.user_id, claims.role, organisation_id, kept)
        role = await self.repo.role_of(organisation_id, claims.user_id)
        if role is None:
            raise NotAuthenticated(
                "the membership this token acts by no longer exists (or its account);"
                " refresh the token or switch organisation"
            )
        if claims.epoch:
            await self.roles.keep(organisation_id, claims.user_id, role, claims.epoch)
        return Actor(claims.user_id, claims.role, organisation_id, role)

    async def create(self, actor: Actor, new: NewOrganisation, ctx: RequestContext) -> Organisation:
        """A person makes an organisation and becomes its owner."""
        _ensure_person(actor)
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            organisation = await self.repo.add(new, now)
            await self.repo.add_member(organisation.id, actor.id, MemberRole.OWNER, now)
            await self._audit("organisation.created", actor, organisation.id, ctx, {})
        return organisation

    async def mine(self, actor: Actor) -> list[Membership]:
        _ensure_person(actor)
        return await self.repo.memberships(actor.id)

    async def get(self, actor: Actor, organisation_id: UUID) -> Organisation:
        await self._role(actor, organisation_id)
        return await self._organisation(organisation_id)

    async def update(
        self, actor: Actor, organisation_id: UUID, changes: dict[str, object], ctx: RequestContext
    ) -> Organisation:
        await self._owner(actor, organisation_id)
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            current = await self._organisation(organisation_id)
            changed = replace(current, **changes, updated_at=now)  # type: ignore[arg-type]
            await self.repo.update(changed)
            await self._audit(
                "organisation.updated", actor, organisation_id, ctx, {"fields": sorted(changes)}
            )
        return changed

    async def members(self, actor: Actor, organisation_id: UUID) -> list[Member]:
        await self._role(actor, organisation_id)
        return await self.repo.members(organisation_id)

    async def change_member(
        self,
        actor: Actor,
        organisation_id: UUID,
        user_id: UUID,
        role: MemberRole,
        ctx: RequestContext,
    ) -> Member:
        await self._owner(actor, organisation_id)
        now = self.clock.now()
        async with (
            self.roles.changing([(organisation_id, user_id)]),
            self.unit_of_work.atomic(serial_key=f"organisation:{organisation_id}"),
        ):
            owners = await self.repo.owners_for_update(organisation_id)
            current = await self._member(organisation_id, user_id)
            if owners == [user_id] and role != MemberRole.OWNER:
                raise Conflict("an organisation keeps at least one owner")
            await self.repo.set_role(organisation_id, user_id, role, now)
            await self._audit(
                "organisation.member.changed", actor, organisation_id, ctx,
                {"user_id": str(user_id), "from": current.role.value, "to": role.value},
            )  # fmt: skip
        return replace(current, role=role)

    async def remove_member(
        self, actor: Actor, organisation_id: UUID, user_id: UUID, ctx: RequestContext
    ) -> None:
        """Owners remove members; any member may leave."""
        if user_id != actor.id:
            await self._owner(actor, organisation_id)
        else:
            await self._role(actor, organisation_id)
        async with (
            self.roles.changing([(organisation_id, user_id)]),
            self.unit_of_work.atomic(serial_key=f"organisation:{organisation_id}"),
        ):
            owners = await self.repo.owners_for_update(organisation_id)
            await self._member(organisation_id, user_id)
            if owners == [user_id]:
                raise Conflict("an organisation keeps at least one owner")
            await self.repo.remove_member(organisation_id, user_id)
            await self._audit(
                "organisation.member.removed", actor, organisation_id, ctx,
                {"user_id": str(user_id)},
            )  # fmt: skip

    async def invite(
        self,
        actor: Actor,
        organisation_id: UUID,
        email: str,
        role: MemberRole,
        ctx: RequestContext,
    ) -> tuple[Invitation, str, bool]:
        """A single-use invitation for the person with this email; its token is returned once
        (and mailed, when mail is set up: the flag says whether it went) and only its hash is
        kept."""
        await self._owner(actor, organisation_id)
        organisation = await self._organisation(organisation_id)
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        invitation = Invitation(
            id=uuid4(),
            organisation_id=organisation_id,
            email=lookup_email(email),
            role=role,
            invited_by=actor.id,
            created_at=now,
            expires_at=now + self.invitation_ttl,
        )
        async with self.unit_of_work.atomic():
            await self.invitations.add(invitation, hash_invitation_token(token))
            await self._audit(
                "organisation.invitation.created", actor, organisation_id, ctx,
                {"invitation_id": str(invitation.id), "role": role.value},
            )  # fmt: skip
        inviter = await self.users.by_id(actor.id)
        try:
            mailed = await self.mailer.send_invitation(
                invitation.email,
                organisation.name,
                inviter.full_name if inviter else "a member",
                token,
                invitation.expires_at,
            )
        except Exception as exc:
            # The owner has its token and can pass it on.
            logger.warning("invitation {} not mailed: {}", invitation.id, exc)
            mailed = False
        return invitation, token, mailed

    async def invitations_of(self, actor: Actor, organisation_id: UUID) -> list[Invitation]:
        await self._owner(actor, organisation_id)
        return await self.invitations.of(organisation_id)

    async def revoke_invitation(
        self, actor: Actor, organisation_id: UUID, invitation_id: UUID, ctx: RequestContext
    ) -> None:
        await self._owner(actor, organisation_id)
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            invitation = await self.invitations.get(invitation_id)
            if invitation is None or invitation.organisation_id != organisation_id:
                raise NotFound(f"invitation {invitation_id} not found")
            if invitation.state(now) == "pending":
                await self.invitations.save(replace(invitation, revoked_at=now))
                await self._audit(
                    "organisation.invitation.revoked", actor, organisation_id, ctx,
                    {"invitation_id": str(invitation_id)},
                )  # fmt: skip

    async def check_invitation(self, token: str, email: str) -> None:
        """Refuse, before anything is made, an invitation a registration could not accept."""
        async with self.unit_of_work.atomic():
            invitation = await self.invitations.by_hash_for_update(hash_invitation_token(token))
        now = self.clock.now()
        if invitation is None or invitation.state(now) != "pending":
            raise ValidationFailed(BAD_INVITATION, [FieldIssue("invitation_token", "not valid")])
        if invitation.email != lookup_email(email):
            raise ValidationFailed(
                BAD_INVITATION,
                [FieldIssue("invitation_token", "this invitation is for another email address")],
            )

    async def accept(self, user: User, token: str, ctx: RequestContext) -> Membership:
        """The invited person joins: once, before it expires, and only with their own email."""
        async with self.unit_of_work.atomic():
            return await self.join(user, token, ctx)

    async def join(
        self, user: User, token: str, ctx: RequestContext, field: str = "token"
    ) -> Membership:
        """`accept` inside the caller's transaction: registering with an invitation makes
        the account and joins in one, so neither is kept without the other."""
        now = self.clock.now()
        invitation = await self.invitations.by_hash_for_update(hash_invitation_token(token))
        if invitation is None or invitation.state(now) != "pending":
            raise ValidationFailed(BAD_INVITATION, [FieldIssue(field, "not valid")])
        if invitation.email != lookup_email(user.email):
            raise NotPermitted("this invitation is for another email address")
        if await self.repo.role_of(invitation.organisation_id, user.id) is not None:
            raise Conflict("you are a member of this organisation already")
        await self.repo.add_member(invitation.organisation_id, user.id, invitation.role, now)
        await self.invitations.save(replace(invitation, accepted_at=now, accepted_by=user.id))
        event = AuditEvent(
            "organisation.invitation.accepted", user.id, "organisation",
            str(invitation.organisation_id), ctx,
            {"invitation_id": str(invitation.id), "role": invitation.role.value},
        )  # fmt: skip
        await self.audit.record(event, now)
        organisation = await self.repo.get(invitation.organisation_id)
        assert organisation is not None
        return Membership(organisation, invitation.role)

    async def _organisation(self, organisation_id: UUID) -> Organisation:
        organisation = await self.repo.get(organisation_id)
        if organisation is None:
            raise _not_found(organisation_id)
        return organisation

    async def _role(self, actor: Actor, organisation_id: UUID) -> MemberRole:
        return await role_in(self.repo, actor, organisation_id)

    async def _owner(self, actor: Actor, organisation_id: UUID) -> None:
        _ensure_person(actor)
        await ensure_owner(self.repo, actor, organisation_id)

    async def _member(self, organisation_id: UUID, user_id: UUID) -> Member:
        for member in await self.repo.members(organisation_id):
            if member.user_id == user_id:
                return member
        raise NotFound(f"member {user_id} not found")

    async def _audit(
        self,
        action: str,
        actor: Actor,
        organisation_id: UUID,
        ctx: RequestContext,
        metadata: dict[str, object],
    ) -> None:
        event = AuditEvent(action, actor.id, "organisation", str(organisation_id), ctx, metadata)
        await self.audit.record(event, self.clock.now())


async def role_in(repo: OrganisationRepository, actor: Actor, organisation_id: UUID) -> MemberRole:
    """The caller's role there; an organisation they are not in does not exist for them. In the
    organisation they act for, it is the role read for this request; a machine client acts for
    its own organisation only."""
    if organisation_id == actor.org:
        return actor.member_role
    role = None if actor.is_client else await repo.role_of(organisation_id, actor.id)
    if role is None:
        raise Hidden(
            _not_found(organisation_id).message,
            target_type="organisation",
            target_id=str(organisation_id),
        )
    return role


async def ensure_owner(repo: OrganisationRepository, actor: Actor, organisation_id: UUID) -> None:
    """Owners only: anyone else who is in the organisation gets a 403, anyone not in it a 404."""
    if await role_in(repo, actor, organisation_id) != MemberRole.OWNER:
        raise NotPermitted(
            "only the organisation's owners can do this",
            target_type="organisation",
            target_id=str(organisation_id),
        )


def _not_found(organisation_id: UUID) -> NotFound:
    return NotFound(f"organisation {organisation_id} not found")


def _ensure_person(actor: Actor) -> None:
    if actor.is_client:
        raise NotPermitted("machine clients cannot manage organisations")
