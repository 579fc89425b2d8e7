"""Machine clients and their secrets; only the secrets' hashes are stored."""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from api.domain.clients import ApiClient, AuthMethod, ClientSecret
from api.infrastructure.db.models import ApiClientRow, ClientSecretRow
from api.infrastructure.metrics import timed


def _to_secret(row: ClientSecretRow) -> ClientSecret:
    return ClientSecret(
        id=row.id,
        client_id=row.client_id,  # type: ignore[attr-defined]
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _to_client(row: ApiClientRow, secrets: Iterable[ClientSecret]) -> ApiClient:
    return ApiClient(
        id=row.id,
        organisation_id=row.organisation_id,  # type: ignore[attr-defined]
        name=row.name,
        scopes=frozenset(row.scopes),
        auth_method=AuthMethod(row.auth_method),
        public_key=dict(row.public_key) if row.public_key is not None else None,
        rate_limit_per_minute=row.rate_limit_per_minute,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revoked_at=row.revoked_at,
        secrets=tuple(s for s in secrets if s.client_id == row.id),
    )


async def _live_secrets(client_ids: list[UUID]) -> list[ClientSecret]:
    """Oldest first."""
    if not client_ids:
        return []
    rows = await ClientSecretRow.filter(client_id__in=client_ids, revoked_at=None).order_by(
        "created_at", "id"
    )
    return [_to_secret(row) for row in rows]


class PgApiClients:
    @timed("db", "clients.add")
    async def add(self, client: ApiClient) -> None:
        await ApiClientRow.create(
            id=client.id,
            organisation_id=client.organisation_id,
            name=client.name,
            scopes=sorted(client.scopes),
            auth_method=client.auth_method.value,
            public_key=client.public_key,
            rate_limit_per_minute=client.rate_limit_per_minute,
            created_by=client.created_by,
            created_at=client.created_at,
            updated_at=client.updated_at,
        )

    @timed("db", "clients.get")
    async def get(self, client_id: UUID) -> ApiClient | None:
        row = await ApiClientRow.get_or_none(id=client_id)
        return _to_client(row, await _live_secrets([row.id])) if row else None

    @timed("db", "clients.get_for_update")
    async def get_for_update(self, client_id: UUID) -> ApiClient | None:
        row = await ApiClientRow.filter(id=client_id).select_for_update().first()
        return _to_client(row, await _live_secrets([row.id])) if row else None

    @timed("db", "clients.of")
    async def of(self, organisation_id: UUID) -> list[ApiClient]:
        rows = await ApiClientRow.filter(organisation_id=organisation_id).order_by(
            "-created_at", "-id"
        )
        secrets = await _live_secrets([row.id for row in rows])
        return [_to_client(row, secrets) for row in rows]

    @timed("db", "clients.revoke")
    async def revoke(self, client_id: UUID, at: datetime) -> None:
        await ApiClientRow.filter(id=client_id, revoked_at=None).update(
            revoked_at=at, updated_at=at
        )

    @timed("db", "client_secrets.add")
    async def add_secret(self, secret: ClientSecret) -> None:
        await ClientSecretRow.create(
            id=secret.id,
            client_id=secret.client_id,
            secret_hash=secret.secret_hash,
            created_at=secret.created_at,
        )

    @timed("db", "client_secrets.revoke")
    async def revoke_secret(self, secret_id: UUID, at: datetime) -> None:
        await ClientSecretRow.filter(id=secret_id, revoked_at=None).update(revoked_at=at)
