"""Making accounts: people registering themselves, and operators making one of any role."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.application.hashing import UNKNOWN_ADDRESS
from api.application.ports import (
    AuditLog,
    Clock,
    HashQueue,
    OrganisationRepository,
    PasswordHasher,
    UnitOfWork,
    UserRepository,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.emails import InvalidEmail, canonical_email, latin_look_alike
from api.domain.errors import Conflict, FieldIssue, ValidationFailed
from api.domain.organisations import Activity, MemberRole, NewOrganisation
from api.domain.passwords import PasswordPolicy, normalise_password
from api.domain.users import SELF_REGISTERABLE_ROLES, Role, User


@dataclass
class Registration:
    users: UserRepository
    hasher: PasswordHasher
    passwords: PasswordPolicy
    hash_queue: HashQueue
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    organisations: OrganisationRepository

    async def register(
        self,
        email: str,
        password: str,
        full_name: str,
        role: Role,
        ctx: RequestContext,
        organisation_name: str | None = None,
        then: Callable[[User], Awaitable[object]] | None = None,
    ) -> User:
        """Self-registration: producers and buyers only; the new user is the actor. `then`
        runs in the transaction that makes the account, which is kept only if it succeeds
        (joining an organisation by invitation: no account is left behind when that fails)."""
        if role not in SELF_REGISTERABLE_ROLES:
            raise ValidationFailed(
                "this role is not open to registration",
                [FieldIssue("role", "auditors and admins are created by an operator")],
            )
        return await self._add(
            email, password, full_name, role, ctx, "auth.registered", {}, organisation_name, then
        )

    async def create(
        self, email: str, password: str, full_name: str, role: Role, ctx: RequestContext
    ) -> User:
        """An operator's command: any role, auditors and admins included."""
        metadata: dict[str, object] = {"role": role.value}
        return await self._add(email, password, full_name, role, ctx, "auth.user.created", metadata)

    async def _add(
        self,
        email: str,
        password: str,
        full_name: str,
        role: Role,
        ctx: RequestContext,
        action: str,
        metadata: dict[str, object],
        organisation_name: str | None = None,
        then: Callable[[User], Awaitable[object]] | None = None,
    ) -> User:
        try:
            email = canonical_email(email)
        except InvalidEmail as exc:
            raise ValidationFailed(
                "email is not acceptable", [FieldIssue("email", str(exc))]
            ) from None
        if problem := self.passwords.problem(password, email, full_name):
            raise ValidationFailed("password is not acceptable", [problem])
        if (twin := latin_look_alike(email)) and await self.users.by_email(twin):
            # To the eye it is that account's address: as good as taken (see docs/security.md).
            raise Conflict("an account with this email, or one that looks the same, exists")
        async with self.hash_queue.admit(ctx.ip or "unknown", UNKNOWN_ADDRESS):
            password_hash = await self.hasher.hash(normalise_password(password))
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            user = await self.users.add(email, full_name, role, password_hash, now)
            # Their own organisation shares their id: what they hold is its, as before.
            await self.organisations.add(
                personal_organisation(organisation_name or full_name, role), now, user.id
            )
            await self.organisations.add_member(user.id, user.id, MemberRole.OWNER, now)
            # A registration is its new user's own act; an operator's command has no actor here.
            actor = user.id if action == "auth.registered" else None
            event = AuditEvent(action, actor, "user", str(user.id), ctx, metadata)
            await self.audit.record(event, now)
            if then is not None:
                await then(user)
        return user


def personal_organisation(name: str, role: Role) -> NewOrganisation:
    """A person's own organisation, doing what their role does."""
    activities = {Role.PRODUCER: {Activity.PRODUCER}, Role.BUYER: {Activity.BUYER}}
    return NewOrganisation(name, None, frozenset(activities.get(role, set())))
