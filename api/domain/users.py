from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from api.domain.organisations import MemberRole


class Role(StrEnum):
    """What an account may do; auditors and admins are made by an operator."""

    PRODUCER = "producer"
    BUYER = "buyer"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def reads_everything(self) -> bool:
        return self in (Role.AUDITOR, Role.ADMIN)


SELF_REGISTERABLE_ROLES = frozenset({Role.PRODUCER, Role.BUYER})


@dataclass(frozen=True)
class User:
    id: UUID
    email: str
    full_name: str
    role: Role
    password_hash: str
    created_at: datetime
    is_active: bool = True


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a use case: a person acting for one of their organisations,
    or an organisation's machine client."""

    id: UUID  # the person, or the machine client
    role: Role
    # None: the person's own organisation, which shares their id.
    organisation_id: UUID | None = None
    member_role: MemberRole = MemberRole.OWNER
    # A machine client's name and scopes; a person has neither (their roles decide).
    client_name: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def org(self) -> UUID:
        return self.organisation_id or self.id

    @property
    def is_client(self) -> bool:
        return self.client_name is not None

    @property
    def operates(self) -> bool:
        """May change what the organisation owns (batches, custody, locations)."""
        return self.member_role.operates
