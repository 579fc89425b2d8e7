from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


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
    """The authenticated caller of a use case."""

    id: UUID
    role: Role
