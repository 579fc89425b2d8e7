from datetime import datetime
from uuid import UUID, uuid4

from api.application.ports import RefreshToken
from api.infrastructure.db.models import RefreshTokenRow


def _to_token(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,  # type: ignore[attr-defined]
        family_id=row.family_id,
        expires_at=row.expires_at,
        session_expires_at=row.session_expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


class TortoiseRefreshTokens:
    async def add(
        self,
        user_id: UUID,
        family_id: UUID,
        token_hash: str,
        expires_at: datetime,
        session_expires_at: datetime,
        at: datetime,
    ) -> RefreshToken:
        row = await RefreshTokenRow.create(
            id=uuid4(),
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash,
            expires_at=expires_at,
            session_expires_at=session_expires_at,
            created_at=at,
        )
        return _to_token(row)

    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        row = await RefreshTokenRow.filter(token_hash=token_hash).select_for_update().first()
        return _to_token(row) if row else None

    async def mark_used(self, token_id: UUID, at: datetime) -> None:
        await RefreshTokenRow.filter(id=token_id).update(used_at=at)

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await RefreshTokenRow.filter(family_id=family_id, revoked_at=None).update(revoked_at=at)
