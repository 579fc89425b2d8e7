"""Organisations: the companies of a supply chain, their members and what each member may do."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class MemberRole(StrEnum):
    """A person's role in one organisation."""

    OWNER = "owner"  # everything, members and machine clients included
    MANAGER = "manager"  # operations: batches, custody, splits, locations
    VIEWER = "viewer"  # reads

    @property
    def operates(self) -> bool:
        return self in (MemberRole.OWNER, MemberRole.MANAGER)


class Activity(StrEnum):
    """What an organisation does in the chain: producers register lots, buyers receive them."""

    PRODUCER = "producer"
    BUYER = "buyer"


@dataclass(frozen=True)
class Organisation:
    id: UUID
    name: str
    country: str | None
    activities: frozenset[Activity]
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    gln: str | None = None

    @property
    def produces(self) -> bool:
        return Activity.PRODUCER in self.activities

    @property
    def buys(self) -> bool:
        return Activity.BUYER in self.activities


@dataclass(frozen=True)
class NewOrganisation:
    name: str
    country: str | None
    activities: frozenset[Activity]
    phone: str | None = None
    gln: str | None = None


@dataclass(frozen=True)
class Member:
    """A person in an organisation, as its member list shows them."""

    user_id: UUID
    organisation_id: UUID
    role: MemberRole
    email: str
    full_name: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    """An organisation one person belongs to, as their list of organisations shows it."""

    organisation: Organisation
    role: MemberRole


@dataclass(frozen=True)
class Invitation:
    id: UUID
    organisation_id: UUID
    email: str
    role: MemberRole
    invited_by: UUID
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: UUID | None = None
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "pending"
