from datetime import datetime
from uuid import UUID, uuid4

from api.application.ports import RefreshToken, Session
from api.domain.audit import RequestContext
from api.infrastructure.db.models import RefreshTokenRow
from api.infrastructure.metrics import timed


def _to_token(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,  # type: ignore[attr-defined]
        family_id=row.family_id,
        expires_at=row.expires_at,
        session_expires_at=row.session_expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
        successor=row.successor,
        organisation_id=row.organisation_id,
    )


class PgRefreshTokens:
    @timed("db", "refresh_tokens.add")
    async def add(
        self,
        user_id: UUID,
        family_id: UUID,
        token_hash: str,
        expires_at: datetime,
        session_expires_at: datetime,
        at: datetime,
        context: RequestContext,
        organisation_id: UUID | None = None,
    ) -> RefreshToken:
        row = await RefreshTokenRow.create(
            id=uuid4(),
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash,
            expires_at=expires_at,
            session_expires_at=session_expires_at,
            created_at=at,
            ip=context.ip,
            user_agent=(context.user_agent or "")[:512] or None,
            organisation_id=organisation_id,
        )
        return _to_token(row)

    @timed("db", "refresh_tokens.set_organisation")
    async def set_organisation(self, family_id: UUID, organisation_id: UUID) -> None:
        await RefreshTokenRow.filter(family_id=family_id, used_at=None, revoked_at=None).update(
            organisation_id=organisation_id
        )

    @timed("db", "refresh_tokens.by_hash")
    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await RefreshTokenRow.get_or_none(token_hash=token_hash)
        return _to_token(row) if row else None

    @timed("db", "refresh_tokens.by_hash_for_update")
    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        row = await RefreshTokenRow.filter(token_hash=token_hash).select_for_update().first()
        return _to_token(row) if row else None

    @timed("db", "refresh_tokens.mark_used")
    async def mark_used(self, token_id: UUID, at: datetime, successor: str) -> None:
        await RefreshTokenRow.filter(id=token_id).update(used_at=at, successor=successor)

    @timed("db", "refresh_tokens.revoke_family")
    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        await RefreshTokenRow.filter(family_id=family_id, revoked_at=None).update(revoked_at=at)

    @timed("db", "refresh_tokens.revoke_all")
    async def revoke_all(self, user_id: UUID, at: datetime, keep: UUID | None = None) -> list[UUID]:
        live = RefreshTokenRow.filter(user_id=user_id, revoked_at=None)
        if keep is not None:
            live = live.exclude(family_id=keep)
        families = await live.distinct().values_list("family_id", flat=True)
        await live.update(revoked_at=at)
        return [UUID(str(f)) for f in families]

    @timed("db", "refresh_tokens.sessions")
    async def sessions(self, user_id: UUID, now: datetime) -> list[Session]:
        rows = await RefreshTokenRow.filter(
            user_id=user_id, revoked_at=None, session_expires_at__gt=now
        ).order_by("created_at")
        by_family: dict[UUID, list[RefreshTokenRow]] = {}
        for row in rows:
            by_family.setdefault(row.family_id, []).append(row)
        sessions = []
        for family_id, tokens in by_family.items():
            first, latest = tokens[0], tokens[-1]
            expires_at = min(latest.expires_at, latest.session_expires_at)
            if expires_at <= now:
                continue
            sessions.append(
                Session(
                    id=family_id,
                    created_at=first.created_at,
                    last_used_at=latest.created_at,
                    expires_at=expires_at,
                    user_agent=latest.user_agent,
                    ip=latest.ip,
                )
            )
        return sorted(sessions, key=lambda s: s.last_used_at, reverse=True)
