"""Invitations to join an organisation; only the token's hash is stored."""

from uuid import UUID

from api.domain.organisations import Invitation, MemberRole
from api.infrastructure.db.models import InvitationRow
from api.infrastructure.metrics import timed


def _to_invitation(row: InvitationRow) -> Invitation:
    return Invitation(
        id=row.id,
        organisation_id=row.organisation_id,  # type: ignore[attr-defined]
        email=row.email,
        role=MemberRole(row.role),
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
        revoked_at=row.revoked_at,
    )


class PgInvitations:
    @timed("db", "invitations.add")
    async def add(self, invitation: Invitation, token_hash: str) -> None:
        await InvitationRow.create(
            id=invitation.id,
            organisation_id=invitation.organisation_id,
            email=invitation.email,
            role=invitation.role,
            token_hash=token_hash,
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )

    @timed("db", "invitations.get")
    async def get(self, invitation_id: UUID) -> Invitation | None:
        row = await InvitationRow.get_or_none(id=invitation_id)
        return _to_invitation(row) if row else None

    @timed("db", "invitations.by_hash_for_update")
    async def by_hash_for_update(self, token_hash: str) -> Invitation | None:
        row = await InvitationRow.filter(token_hash=token_hash).select_for_update().first()
        return _to_invitation(row) if row else None

    @timed("db", "invitations.save")
    async def save(self, invitation: Invitation) -> None:
        await InvitationRow.filter(id=invitation.id).update(
            accepted_at=invitation.accepted_at,
            accepted_by=invitation.accepted_by,
            revoked_at=invitation.revoked_at,
        )

    @timed("db", "invitations.of")
    async def of(self, organisation_id: UUID) -> list[Invitation]:
        rows = await InvitationRow.filter(organisation_id=organisation_id).order_by(
            "-created_at", "-id"
        )
        return [_to_invitation(row) for row in rows]
