"""The client credentials grant (RFC 6749 section 4.4): a machine client proves who it is,
with a secret over HTTP Basic (client_secret_basic) or a signed assertion (RFC 7523,
private_key_jwt), and gets an access token limited to its scopes."""

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from api.application.clients import hash_client_secret
from api.application.ports import (
    ApiClientRepository,
    AuditLog,
    AuditQuota,
    ClientAssertions,
    Clock,
    OrganisationRepository,
    ReplayGuard,
    Revocations,
    TokenIssuer,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.clients import ApiClient, AuthMethod, granted_scopes
from api.domain.errors import (
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    NotAuthenticated,
    UnsupportedGrantType,
)
from api.domain.users import Role

GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# One answer for an unknown client, a revoked one and a wrong credential.
BAD_CLIENT = "client authentication failed"
# Compared against when a client has no secret, so that every refusal costs the same.
NO_SECRET = hash_client_secret("")


@dataclass(frozen=True)
class TokenRequest:
    """A token request's parameters, as the endpoint received them."""

    grant_type: str | None
    scope: str | None = None
    # From HTTP Basic (client_secret_basic): the client id and its secret.
    basic: tuple[str, str] | None = None
    client_id: str | None = None
    client_assertion_type: str | None = None
    client_assertion: str | None = None
    # A secret in the body (client_secret_post), which is refused.
    client_secret: str | None = None
    # Names of our token endpoint an assertion may be addressed to.
    audiences: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientToken:
    access_token: str
    expires_in: int
    scopes: frozenset[str]


@dataclass
class ClientTokens:
    repo: ApiClientRepository
    organisations: OrganisationRepository
    tokens: TokenIssuer
    assertions: ClientAssertions
    replays: ReplayGuard
    revocations: Revocations
    audit: AuditLog
    quota: AuditQuota
    clock: Clock
    # How long past its expiry an assertion's id is remembered (its verifier's leeway).
    assertion_leeway: timedelta = timedelta(seconds=5)

    async def grant(self, request: TokenRequest, ctx: RequestContext) -> ClientToken:
        if not request.grant_type:
            raise InvalidRequest("grant_type is required")
        if request.grant_type != GRANT_TYPE:
            raise UnsupportedGrantType("only the client_credentials grant is supported")
        client = await self._authenticate(request, ctx)
        scopes = granted_scopes(client, request.scope)
        if scopes is None:
            raise InvalidScope("the scope asks for more than the client was granted")
        organisation = await self.organisations.get(client.organisation_id)
        # The verifier needs a role; the organisation's activity gives it.
        role = Role.PRODUCER if organisation is not None and organisation.produces else Role.BUYER
        epoch = await self.revocations.open_epoch()
        now = self.clock.now()
        token, ttl = self.tokens.issue_for_client(client, role, scopes, now, epoch)
        as_client = replace(
            ctx, organisation_id=client.organisation_id, client_id=client.id,
            client_name=client.name,
        )  # fmt: skip
        metadata = {"scope": " ".join(sorted(scopes)), "auth_method": client.auth_method.value}
        event = AuditEvent(
            "client.token.issued", client.id, "client", str(client.id), as_client, metadata
        )
        await self.audit.record(event, now)
        return ClientToken(token, ttl, scopes)

    async def _authenticate(self, request: TokenRequest, ctx: RequestContext) -> ApiClient:
        if request.client_secret is not None:
            raise InvalidClient(
                "client_secret_post is not supported: send the client id and secret with HTTP"
                " Basic (client_secret_basic), or sign a client assertion (private_key_jwt)"
            )
        if request.basic is not None and request.client_assertion is not None:
            raise InvalidRequest("use one client authentication method, not two")
        if request.basic is not None:
            return await self._by_secret(*request.basic, ctx)
        if request.client_assertion is not None:
            return await self._by_assertion(request, ctx)
        raise InvalidClient(
            "client authentication is required: HTTP Basic (client_secret_basic) or a"
            " client assertion (private_key_jwt)"
        )

    async def _by_secret(self, client_id: str, secret: str, ctx: RequestContext) -> ApiClient:
        client = await self._client(client_id)
        presented = hash_client_secret(secret)
        stored = [s.secret_hash for s in client.secrets] if client else []
        # Every live secret is compared, in constant time, whether or not one matched.
        matched = False
        for secret_hash in stored or [NO_SECRET]:
            matched |= hmac.compare_digest(secret_hash, presented)
        if client is None:
            raise await self._refused(None, "unknown_client", ctx)
        if client.is_revoked:
            raise await self._refused(client.id, "revoked", ctx)
        if client.auth_method is not AuthMethod.CLIENT_SECRET_BASIC:
            raise await self._refused(client.id, "wrong_method", ctx)
        if not stored or not matched:
            raise await self._refused(client.id, "wrong_secret", ctx)
        return client

    async def _by_assertion(self, request: TokenRequest, ctx: RequestContext) -> ApiClient:
        assertion = request.client_assertion or ""
        if request.client_assertion_type != ASSERTION_TYPE:
            raise InvalidRequest(f"client_assertion_type must be {ASSERTION_TYPE}")
        client = await self._client(request.client_id or self.assertions.claimed_client(assertion))
        if client is None:
            raise await self._refused(None, "unknown_client", ctx)
        if client.is_revoked:
            raise await self._refused(client.id, "revoked", ctx)
        if client.auth_method is not AuthMethod.PRIVATE_KEY_JWT or client.public_key is None:
            raise await self._refused(client.id, "wrong_method", ctx)
        try:
            verified = self.assertions.verify(
                assertion, str(client.id), client.public_key, request.audiences, self.clock.now()
            )
        except NotAuthenticated as exc:
            raise await self._refused(client.id, "bad_assertion", ctx, exc.message) from None
        # Single use (RFC 7523 section 3): its id is kept for as long as it could be accepted.
        jti = hashlib.sha256(verified.jti.encode()).hexdigest()
        until = verified.expires_at + self.assertion_leeway
        if not await self.replays.first_use(f"assertion:{client.id}:{jti}", until):
            raise await self._refused(client.id, "replayed_assertion", ctx)
        return client

    async def _client(self, client_id: str | None) -> ApiClient | None:
        try:
            parsed = UUID(client_id or "")
        except ValueError:
            return None
        return await self.repo.get(parsed)

    async def _refused(
        self, client_id: UUID | None, reason: str, ctx: RequestContext, detail: str = ""
    ) -> InvalidClient:
        """The refusal to raise, audited (within the address's quota of refusal rows): the
        trail says why; the answer does not."""
        if await self.quota.allow(f"ip:{ctx.ip}"):
            metadata = {"reason": reason, **({"detail": detail} if detail else {})}
            target = str(client_id) if client_id else None
            event = AuditEvent("client.token.refused", None, "client", target, ctx, metadata)
            await self.audit.record(event, self.clock.now())
        return InvalidClient(BAD_CLIENT)
