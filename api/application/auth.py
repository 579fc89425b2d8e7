"""Use cases for accounts and sessions: register, log in, refresh, who am I."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from api.application.ports import (
    AuditLog,
    Clock,
    PasswordHasher,
    RefreshTokenRepository,
    TokenIssuer,
    Transactor,
    UserRepository,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.errors import NotFound, Unauthorized
from api.domain.users import Role, User, normalise_email

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


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are high-entropy random values: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Auth:
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    hasher: PasswordHasher
    tokens: TokenIssuer
    audit: AuditLog
    tx: Transactor
    clock: Clock
    sessions: SessionPolicy
    # Verified against when the email is unknown, so that both paths take as long.
    dummy_hash: str

    async def register(
        self, email: str, password: str, full_name: str, role: Role, ctx: RequestContext
    ) -> User:
        password_hash = await self.hasher.hash(password)
        now = self.clock.now()
        async with self.tx.atomic():
            user = await self.users.add(normalise_email(email), full_name, role, password_hash, now)
            await self.audit.record(
                AuditEvent("auth.registered", user.id, "user", str(user.id), ctx), now
            )
        return user

    async def login(self, email: str, password: str, ctx: RequestContext) -> TokenPair:
        user = await self.users.by_email(normalise_email(email))
        valid = await self.hasher.verify(user.password_hash if user else self.dummy_hash, password)
        now = self.clock.now()
        if user is None or not valid or not user.is_active:
            await self.audit.record(
                AuditEvent(
                    "auth.login.failed",
                    user.id if user else None,
                    "user",
                    str(user.id) if user else None,
                    ctx,
                    {"email_domain": normalise_email(email).rpartition("@")[2]},
                ),
                now,
            )
            raise Unauthorized(BAD_CREDENTIALS)
        if self.hasher.needs_rehash(user.password_hash):
            await self.users.set_password_hash(user.id, await self.hasher.hash(password))
        async with self.tx.atomic():
            pair = await self._start_session(user, uuid.uuid4(), now + self.sessions.absolute)
            await self.audit.record(
                AuditEvent("auth.login.succeeded", user.id, "user", str(user.id), ctx), now
            )
        return pair

    async def refresh(self, refresh_token: str, ctx: RequestContext) -> TokenPair:
        # Rejections return None rather than raise, so that a reuse revocation still commits.
        async with self.tx.atomic():
            pair = await self._rotate(hash_refresh_token(refresh_token), ctx)
        if pair is None:
            raise Unauthorized(BAD_REFRESH)
        return pair

    async def _rotate(self, token_hash: str, ctx: RequestContext) -> TokenPair | None:
        now = self.clock.now()
        stored = await self.refresh_tokens.by_hash_for_update(token_hash)
        if stored is None or stored.revoked_at is not None:
            return None
        if stored.used_at is not None:
            await self.refresh_tokens.revoke_family(stored.family_id, now)
            await self.audit.record(
                AuditEvent(
                    "auth.refresh.reuse_detected",
                    stored.user_id,
                    "session",
                    str(stored.family_id),
                    ctx,
                ),
                now,
            )
            return None
        if now >= stored.expires_at or now >= stored.session_expires_at:
            return None
        user = await self.users.by_id(stored.user_id)
        if user is None or not user.is_active:
            return None
        await self.refresh_tokens.mark_used(stored.id, now)
        pair = await self._start_session(user, stored.family_id, stored.session_expires_at)
        await self.audit.record(
            AuditEvent("auth.refreshed", user.id, "session", str(stored.family_id), ctx), now
        )
        return pair

    async def me(self, user_id: UUID) -> User:
        user = await self.users.by_id(user_id)
        if user is None:
            raise NotFound("user not found")
        return user

    async def _start_session(
        self, user: User, family_id: UUID, session_expires_at: datetime
    ) -> TokenPair:
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        expires_at = min(now + self.sessions.idle, session_expires_at)
        await self.refresh_tokens.add(
            user.id, family_id, hash_refresh_token(token), expires_at, session_expires_at, now
        )
        access, ttl = self.tokens.issue(user, family_id, now)
        return TokenPair(access, ttl, token, int((expires_at - now).total_seconds()))
