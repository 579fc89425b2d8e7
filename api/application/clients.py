"""Use cases for machine clients: an organisation's owners register them, rotate their secrets
and revoke them (docs/API.md, "Machine clients"). Their tokens: application/client_tokens.py."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID, uuid4

from api.application.organisations import ensure_owner
from api.application.ports import (
    ApiClientRepository,
    AuditLog,
    ClientAssertions,
    Clock,
    OrganisationRepository,
    Revocations,
    UnitOfWork,
)
from api.domain.audit import AuditEvent, RequestContext
from api.domain.clients import (
    MAX_LIVE_SECRETS,
    ApiClient,
    AuthMethod,
    ClientSecret,
    NewClient,
    check_new_client,
)
from api.domain.errors import Conflict, Hidden, NotFound, NotPermitted
from api.domain.users import Actor

SECRET_BYTES = 32
# A token issued while the revocation commits may outlive the deny-list entry by this much.
REVOCATION_MARGIN = timedelta(seconds=60)


def hash_client_secret(secret: str) -> str:
    """Client secrets are 32 random bytes: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedSecret:
    """A new secret, shown once, and the secret it retired to stay within the limit."""

    secret: ClientSecret
    value: str
    retired: ClientSecret | None = None


@dataclass
class Clients:
    repo: ApiClientRepository
    organisations: OrganisationRepository
    assertions: ClientAssertions
    revocations: Revocations
    audit: AuditLog
    unit_of_work: UnitOfWork
    clock: Clock
    access_ttl: timedelta

    async def create(
        self, actor: Actor, organisation_id: UUID, new: NewClient, ctx: RequestContext
    ) -> tuple[ApiClient, str | None]:
        """A new client; a client_secret_basic one comes with its first secret, returned once."""
        await self._owner(actor, organisation_id)
        check_new_client(new)
        if new.public_key is not None:
            new = replace(new, public_key=self.assertions.public_key(new.public_key))
        now = self.clock.now()
        client = ApiClient(
            uuid4(), organisation_id, new.name, new.scopes, new.auth_method, new.public_key,
            new.rate_limit_per_minute, actor.id, now, now,
        )  # fmt: skip
        value = None
        # Names are how clients show in the audit trail: one live client per name.
        async with self.unit_of_work.atomic(serial_key=f"clients:{organisation_id}"):
            if any(
                c.name == new.name and not c.is_revoked for c in await self.repo.of(organisation_id)
            ):
                raise Conflict("the organisation has a client of this name")
            await self.repo.add(client)
            metadata: dict[str, object] = {"name": client.name, "scopes": sorted(client.scopes),
                        "auth_method": client.auth_method.value}  # fmt: skip
            await self._audit("client.created", actor, client, ctx, metadata)
            if client.auth_method is AuthMethod.CLIENT_SECRET_BASIC:
                issued = await self._add_secret(actor, client, ctx)
                client, value = replace(client, secrets=(issued.secret,)), issued.value
        return client, value

    async def list(self, actor: Actor, organisation_id: UUID) -> list[ApiClient]:
        await self._owner(actor, organisation_id)
        return await self.repo.of(organisation_id)

    async def get(self, actor: Actor, organisation_id: UUID, client_id: UUID) -> ApiClient:
        await self._owner(actor, organisation_id)
        return _of(organisation_id, client_id, await self.repo.get(client_id))

    async def add_secret(
        self, actor: Actor, organisation_id: UUID, client_id: UUID, ctx: RequestContext
    ) -> IssuedSecret:
        """Rotation: a new secret; with two live already, the oldest one stops working."""
        await self._owner(actor, organisation_id)
        async with self.unit_of_work.atomic(serial_key=f"client:{client_id}"):
            client = _of(organisation_id, client_id, await self.repo.get_for_update(client_id))
            if client.is_revoked:
                raise Conflict("this client is revoked")
            if client.auth_method is not AuthMethod.CLIENT_SECRET_BASIC:
                raise Conflict("a private_key_jwt client signs with its key and has no secrets")
            return await self._add_secret(actor, client, ctx)

    async def revoke_secret(
        self,
        actor: Actor,
        organisation_id: UUID,
        client_id: UUID,
        secret_id: UUID,
        ctx: RequestContext,
    ) -> None:
        await self._owner(actor, organisation_id)
        async with self.unit_of_work.atomic(serial_key=f"client:{client_id}"):
            client = _of(organisation_id, client_id, await self.repo.get_for_update(client_id))
            if not any(s.id == secret_id for s in client.secrets):
                raise NotFound(f"client {client_id} has no live secret {secret_id}")
            await self._retire(actor, client, secret_id, "deleted", ctx)

    async def revoke(
        self, actor: Actor, organisation_id: UUID, client_id: UUID, ctx: RequestContext
    ) -> ApiClient:
        """The client gets no new tokens, and those it holds stop working at once."""
        await self._owner(actor, organisation_id)
        now = self.clock.now()
        async with self.unit_of_work.atomic(serial_key=f"client:{client_id}"):
            client = _of(organisation_id, client_id, await self.repo.get_for_update(client_id))
            if not client.is_revoked:
                await self.repo.revoke(client.id, now)
                await self._audit("client.revoked", actor, client, ctx, {"name": client.name})
                client = replace(client, revoked_at=now, updated_at=now)
        # Its tokens name the client as their session. Written again when the client was
        # revoked already: a retry after Redis failed the first time still stops them.
        ttl = self.access_ttl + REVOCATION_MARGIN
        await self.revocations.revoke_sessions([str(client.id)], int(ttl.total_seconds()))
        return client

    async def _add_secret(
        self, actor: Actor, client: ApiClient, ctx: RequestContext
    ) -> IssuedSecret:
        retired = None
        live = list(client.secrets)
        while len(live) >= MAX_LIVE_SECRETS:
            retired = live.pop(0)
            await self._retire(actor, client, retired.id, "rotated", ctx)
        value = secrets.token_urlsafe(SECRET_BYTES)
        secret = ClientSecret(uuid4(), client.id, hash_client_secret(value), self.clock.now())
        await self.repo.add_secret(secret)
        await self._audit(
            "client.secret.created", actor, client, ctx, {"secret_id": str(secret.id)}
        )
        return IssuedSecret(secret, value, retired)

    async def _retire(
        self, actor: Actor, client: ApiClient, secret_id: UUID, why: str, ctx: RequestContext
    ) -> None:
        await self.repo.revoke_secret(secret_id, self.clock.now())
        metadata: dict[str, object] = {"secret_id": str(secret_id), "reason": why}
        await self._audit("client.secret.revoked", actor, client, ctx, metadata)

    async def _owner(self, actor: Actor, organisation_id: UUID) -> None:
        if actor.is_client:
            raise NotPermitted("machine clients cannot manage machine clients")
        await ensure_owner(self.organisations, actor, organisation_id)

    async def _audit(
        self,
        action: str,
        actor: Actor,
        client: ApiClient,
        ctx: RequestContext,
        metadata: dict[str, object],
    ) -> None:
        # Done for the client's organisation, whichever the owner's token acts for.
        ctx = replace(ctx, organisation_id=client.organisation_id)
        event = AuditEvent(action, actor.id, "client", str(client.id), ctx, metadata)
        await self.audit.record(event, self.clock.now())


def _of(organisation_id: UUID, client_id: UUID, client: ApiClient | None) -> ApiClient:
    """The organisation's client; another organisation's does not exist for this caller."""
    if client is None:
        raise NotFound(f"client {client_id} not found")
    if client.organisation_id != organisation_id:
        raise Hidden(
            f"client {client_id} not found", target_type="client", target_id=str(client_id)
        )
    return client
