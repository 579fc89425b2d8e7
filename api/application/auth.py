"""Use cases for accounts and sessions: register, log in, refresh, log out, list sessions."""

import hashlib
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from api.application.hashing import hashing_priority
from api.application.ports import (
    AccessClaims,
    AuditLog,
    Clock,
    HashQueue,
    LoginThrottle,
    OrganisationRepository,
    PasswordHasher,
    RefreshToken,
    RefreshTokenRepository,
    Revocations,
    Sealer,
    Session,
    TokenIssuer,
    UnitOfWork,
    UserRepository,
)
from api.application.registration import Registration
from api.domain.audit import AuditEvent, RequestContext
from api.domain.emails import lookup_email
from api.domain.errors import (
    FieldIssue,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    Throttled,
    ValidationFailed,
)
from api.domain.passwords import PasswordPolicy, legacy_form, normalise_password
from api.domain.users import Role, User

BAD_CREDENTIALS = "email or password is wrong"
BAD_REFRESH = "refresh token is invalid or expired; log in again"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta
    access_ttl: timedelta
    # Two refreshes racing from one client may both present the same token this soon.
    reuse_grace: timedelta = timedelta(seconds=10)


def pack_pair(pair: TokenPair, now: datetime) -> bytes:
    """A pair with absolute expiry times, to be handed out again within the grace window."""
    at = now.timestamp()
    return json.dumps(
        [pair.access_token, at + pair.expires_in, pair.refresh_token, at + pair.refresh_expires_in]
    ).encode()


def unpack_pair(packed: bytes, now: datetime) -> TokenPair:
    access, access_until, refresh, refresh_until = json.loads(packed)
    at = now.timestamp()
    return TokenPair(access, max(0, int(access_until - at)), refresh, int(refresh_until - at))


def replace_field(issue: FieldIssue) -> FieldIssue:
    return FieldIssue("new_password", issue.issue)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are high-entropy random values: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Auth:
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    hasher: PasswordHasher
    tokens: TokenIssuer
    throttle: LoginThrottle
    revocations: Revocations
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    sessions_policy: SessionPolicy
    passwords: PasswordPolicy
    sealer: Sealer
    hash_queue: HashQueue
    # Verified against when the email is unknown, so that both paths take as long.
    dummy_hash: str
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
        return await self.registration().register(
            email, password, full_name, role, ctx, organisation_name, then
        )

    def registration(self) -> Registration:
        return Registration(
            self.users,
            self.hasher,
            self.passwords,
            self.hash_queue,
            self.audit,
            self.unit_of_work,
            self.clock,
            self.organisations,
        )

    async def login(
        self,
        email: str,
        password: str,
        ctx: RequestContext,
        organisation_id: UUID | None = None,
    ) -> TokenPair:
        """`organisation_id`: the organisation to act for (a member's), else their default."""
        email = lookup_email(email)
        ip = ctx.ip or "unknown"
        standing = await self.throttle.check(email, ip)
        if wait := standing.locked_for:
            # Name the account under attack, so that its owner's history shows it.
            target = await self.users.by_email(email)
            target_id = str(target.id) if target else None
            domain: dict[str, object] = {"email_domain": email.rpartition("@")[2]}
            now = self.clock.now()
            await self._audit("auth.login.throttled", None, "user", target_id, ctx, now, domain)
            raise Throttled("too many failed logins; try again later", wait)
        # Admitted before any database work, so that a storm's shed requests cost little.
        async with self.hash_queue.admit(ip, hashing_priority(standing)):
            user = await self.users.by_email(email)
            valid = await self._verify(user, password)
        now = self.clock.now()
        if user is None or not valid or not user.is_active:
            await self._failed_login(user, email, ip, ctx, now)
            raise NotAuthenticated(BAD_CREDENTIALS)
        await self.throttle.succeeded(email, ip)
        if organisation_id is not None:
            if await self.organisations.role_of(organisation_id, user.id) is None:
                raise ValidationFailed(
                    "you are not a member of this organisation",
                    [FieldIssue("organisation_id", "not an organisation of yours")],
                )
        else:
            organisation_id = await self.organisations.default_for(user.id)
        async with self.unit_of_work.atomic():
            absolute = now + self.sessions_policy.absolute
            pair = await self._issue(user, uuid.uuid4(), absolute, ctx, organisation_id)
            await self._audit("auth.login.succeeded", user.id, "user", str(user.id), ctx, now)
        return pair

    async def change_password(
        self, claims: AccessClaims, current: str, new: str, ctx: RequestContext
    ) -> None:
        """Needs the current password; ends every other session of the user."""
        user = await self.users.by_id(claims.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("this account cannot change its password")
        ip = ctx.ip or "unknown"
        standing = await self.throttle.check(user.email, ip)
        if standing.locked_for:
            raise Throttled("too many failed attempts; try again later", standing.locked_for)
        if problem := self.passwords.problem(new, user.email, user.full_name):
            raise ValidationFailed("new password is not acceptable", [replace_field(problem)])
        async with self.hash_queue.admit(ip, hashing_priority(standing)):
            if not await self._verify(user, current):
                await self.throttle.failed(user.email, ip)
                raise NotPermitted(
                    "current password is wrong", target_type="user", target_id=str(user.id)
                )
            password_hash = await self.hasher.hash(normalise_password(new))
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            await self.users.set_password_hash(user.id, password_hash)
            others = await self.refresh_tokens.revoke_all(user.id, now, keep=claims.session_id)
            await self._audit("auth.password.changed", user.id, "user", str(user.id), ctx, now)
        ttl = int(self.sessions_policy.access_ttl.total_seconds())
        await self.revocations.revoke_sessions([str(f) for f in others], ttl)

    async def _verify(self, user: User | None, password: str) -> bool:
        """Check a password in its normal form, then as hashes made before normalisation had
        it (trimmed, as typed), upgrading those; unknown users cost the same work."""
        candidates = [normalise_password(password)]
        if legacy_form(password) != candidates[0]:
            candidates.append(legacy_form(password))
        stored = user.password_hash if user else self.dummy_hash
        for index, candidate in enumerate(candidates):
            if await self.hasher.verify(stored, candidate):
                if user is not None and (index > 0 or self.hasher.needs_rehash(stored)):
                    rehashed = await self.hasher.hash(candidates[0])
                    await self.users.set_password_hash(user.id, rehashed)
                return True
        return False

    async def refresh(self, refresh_token: str, ctx: RequestContext) -> TokenPair:
        # Rejections return None rather than raise, so that a reuse revocation still commits.
        async with self.unit_of_work.atomic():
            pair = await self._rotate(refresh_token, ctx)
        if pair is None:
            raise NotAuthenticated(BAD_REFRESH)
        return pair

    async def me(self, user_id: UUID) -> User:
        user = await self.users.by_id(user_id)
        if user is None:
            raise NotFound("user not found")
        return user

    async def logout(
        self, claims: AccessClaims, refresh_token: str | None, ctx: RequestContext
    ) -> None:
        """End one session: the one the refresh token names, else the access token's."""
        session_id = claims.session_id
        if refresh_token:
            stored = await self.refresh_tokens.by_hash(hash_refresh_token(refresh_token))
            if stored is not None and stored.user_id == claims.user_id:
                session_id = stored.family_id
        now = self.clock.now()
        await self._end_sessions(claims, [session_id], now)
        await self._audit("auth.logout", claims.user_id, "session", str(session_id), ctx, now)

    async def logout_all(self, claims: AccessClaims, ctx: RequestContext) -> None:
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            families = await self.refresh_tokens.revoke_all(claims.user_id, now)
        await self._end_sessions(claims, [*families, claims.session_id], now, revoke=False)
        await self._audit("auth.logout_all", claims.user_id, "user", str(claims.user_id), ctx, now)

    async def sessions(self, claims: AccessClaims) -> list[Session]:
        return await self.refresh_tokens.sessions(claims.user_id, self.clock.now())

    async def end_session(
        self, claims: AccessClaims, session_id: UUID, ctx: RequestContext
    ) -> None:
        owned = {s.id for s in await self.sessions(claims)}
        if session_id not in owned:
            raise NotFound(f"session {session_id} not found")
        now = self.clock.now()
        await self._end_sessions(claims, [session_id], now, revoke_own_token=False)
        await self._audit(
            "auth.session.ended", claims.user_id, "session", str(session_id), ctx, now
        )

    async def _end_sessions(
        self,
        claims: AccessClaims,
        session_ids: list[UUID],
        now: datetime,
        revoke: bool = True,
        revoke_own_token: bool = True,
    ) -> None:
        if revoke:
            async with self.unit_of_work.atomic():
                for session_id in session_ids:
                    await self.refresh_tokens.revoke_family(session_id, now)
        ttl = int(self.sessions_policy.access_ttl.total_seconds())
        await self.revocations.revoke_sessions([str(s) for s in session_ids], ttl)
        if revoke_own_token:
            left = int((claims.expires_at - now).total_seconds()) + 1
            await self.revocations.revoke_token(claims.token_id, left)

    async def _failed_login(
        self, user: User | None, email: str, ip: str, ctx: RequestContext, now: datetime
    ) -> None:
        lockout = await self.throttle.failed(email, ip)
        user_id = user.id if user else None
        target = str(user_id) if user_id else None
        domain: dict[str, object] = {"email_domain": email.rpartition("@")[2]}
        await self._audit("auth.login.failed", user_id, "user", target, ctx, now, domain)
        if lockout:
            metadata = {**domain, "lockout_seconds": lockout}
            await self._audit("auth.login.locked_out", user_id, "user", target, ctx, now, metadata)

    async def _rotate(self, token: str, ctx: RequestContext) -> TokenPair | None:
        now = self.clock.now()
        # The row lock makes racing refreshes of one token take turns.
        stored = await self.refresh_tokens.by_hash_for_update(hash_refresh_token(token))
        if stored is None or stored.revoked_at is not None:
            return None
        if stored.used_at is not None:
            return await self._reused(stored, token, ctx, now)
        if now >= stored.expires_at or now >= stored.session_expires_at:
            return None
        user = await self.users.by_id(stored.user_id)
        if user is None or not user.is_active:
            return None
        organisation_id = stored.organisation_id
        if organisation_id is None or not await self.organisations.role_of(
            organisation_id, user.id
        ):
            # Never chosen, or no longer theirs: the one they act for by default.
            organisation_id = await self.organisations.default_for(user.id)
        pair = await self._issue(
            user, stored.family_id, stored.session_expires_at, ctx, organisation_id
        )
        sealed = self.sealer.seal(token, pack_pair(pair, now))
        await self.refresh_tokens.mark_used(stored.id, now, sealed)
        await self._audit("auth.refreshed", user.id, "session", str(stored.family_id), ctx, now)
        return pair

    async def _reused(
        self, stored: RefreshToken, token: str, ctx: RequestContext, now: datetime
    ) -> TokenPair | None:
        assert stored.used_at is not None
        family = str(stored.family_id)
        if now - stored.used_at <= self.sessions_policy.reuse_grace:
            # The same client racing itself (two tabs): it gets the pair already issued, so
            # that the session never has more than one live refresh token.
            opened = self.sealer.open(token, stored.successor) if stored.successor else None
            if opened is None:
                return None
            await self._audit(
                "auth.refresh.concurrent", stored.user_id, "session", family, ctx, now
            )
            return unpack_pair(opened, now)
        await self.refresh_tokens.revoke_family(stored.family_id, now)
        ttl = int(self.sessions_policy.access_ttl.total_seconds())
        await self.revocations.revoke_sessions([family], ttl)
        await self._audit(
            "auth.refresh.reuse_detected", stored.user_id, "session", family, ctx, now
        )
        return None

    async def switch(
        self, claims: AccessClaims, organisation_id: UUID, ctx: RequestContext
    ) -> tuple[str, int]:
        """Act for another of the person's organisations: a new access token, and the
        session's refresh token acts for it from now on."""
        if claims.client_name is not None:
            raise NotPermitted("a machine client acts for its own organisation only")
        user = await self.users.by_id(claims.user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("this account cannot act")
        if await self.organisations.role_of(organisation_id, user.id) is None:
            raise NotFound(f"organisation {organisation_id} not found")
        now = self.clock.now()
        async with self.unit_of_work.atomic():
            await self.refresh_tokens.set_organisation(claims.session_id, organisation_id)
            await self._audit(
                "auth.switched", user.id, "organisation", str(organisation_id), ctx, now
            )
        epoch = await self.revocations.open_epoch()
        return self.tokens.issue(user, claims.session_id, now, epoch, organisation_id)

    async def _issue(
        self,
        user: User,
        family_id: UUID,
        session_expires_at: datetime,
        ctx: RequestContext,
        organisation_id: UUID | None = None,
    ) -> TokenPair:
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        expires_at = min(now + self.sessions_policy.idle, session_expires_at)
        await self.refresh_tokens.add(
            user.id, family_id, hash_refresh_token(token), expires_at, session_expires_at, now,
            ctx, organisation_id,
        )  # fmt: skip
        epoch = await self.revocations.open_epoch()
        access, ttl = self.tokens.issue(user, family_id, now, epoch, organisation_id)
        return TokenPair(access, ttl, token, int((expires_at - now).total_seconds()))

    async def _audit(
        self,
        action: str,
        actor_id: UUID | None,
        target_type: str,
        target_id: str | None,
        ctx: RequestContext,
        at: datetime,
        metadata: dict[str, object] | None = None,
    ) -> None:
        event = AuditEvent(action, actor_id, target_type, target_id, ctx, metadata or {})
        await self.audit.record(event, at)
