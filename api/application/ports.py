"""The small interfaces the use cases need; infrastructure implements them, tests fake them."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from api.application.pagination import Cursor, EventCursor
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter, RequestContext
from api.domain.batches import Batch, BatchFilter, NewBatch
from api.domain.clients import ApiClient, ClientSecret
from api.domain.epcis.capture import CaptureJob
from api.domain.epcis.document import Event as EpcisEvent
from api.domain.epcis.query import EventQuery
from api.domain.events import BatchEvent, Verification
from api.domain.fsma.sources import EventFilter, StoredEvent
from api.domain.lineage import Relative
from api.domain.locations import Location
from api.domain.organisations import (
    Invitation,
    Member,
    MemberRole,
    Membership,
    NewOrganisation,
    Organisation,
)
from api.domain.transactions import NewTransaction, Transaction
from api.domain.users import Actor, Role, User
from api.domain.webhooks import Delivery, OutboxEvent, Subscription, SubscriptionState


class Clock(Protocol):
    def now(self) -> datetime: ...


class UnitOfWork(Protocol):
    """Runs a block of repository calls atomically."""

    def atomic(self, serial_key: str | None = None) -> AbstractAsyncContextManager[None]:
        """`serial_key` names the row the block locks: blocks on one key queue in-process."""
        ...


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    is_active: bool | None = None


class UserRepository(Protocol):
    async def add(
        self, email: str, full_name: str, role: Role, password_hash: str, at: datetime
    ) -> User: ...

    async def by_email(self, email: str) -> User | None: ...

    async def by_id(self, user_id: UUID) -> User | None: ...

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    async def page(
        self, filters: UserFilter, after: Cursor | None, limit: int
    ) -> Sequence[User]: ...

    async def update(self, user_id: UUID, at: datetime, is_active: bool, role: Role) -> User: ...

    async def active_admins_for_update(self) -> list[UUID]:
        """Ids of the active admins, locked until the transaction ends."""
        ...


class OrganisationRepository(Protocol):
    async def add(
        self, new: NewOrganisation, at: datetime, organisation_id: UUID | None = None
    ) -> Organisation:
        """A new organisation (with this id, for a person's own); a taken GLN is a Conflict."""
        ...

    async def get(self, organisation_id: UUID) -> Organisation | None: ...

    async def by_gln(self, gln: str) -> Organisation | None: ...

    async def update(self, organisation: Organisation) -> None: ...

    async def add_member(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None:
        """A person already a member is a Conflict."""
        ...

    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None: ...

    async def default_for(self, user_id: UUID) -> UUID | None:
        """The organisation a person acts for unless they choose: their own, else the first
        they joined."""
        ...

    async def memberships(self, user_id: UUID) -> list[Membership]: ...

    async def members(self, organisation_id: UUID) -> list[Member]: ...

    async def owners_for_update(self, organisation_id: UUID) -> list[UUID]:
        """The owners' ids, locked until the transaction ends."""
        ...

    async def set_role(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None: ...

    async def remove_member(self, organisation_id: UUID, user_id: UUID) -> None: ...

    async def buyers_of(self, user_id: UUID) -> list[Organisation]:
        """The buying organisations a person is a member of, their own first."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation, token_hash: str) -> None: ...

    async def get(self, invitation_id: UUID) -> Invitation | None: ...

    async def by_hash_for_update(self, token_hash: str) -> Invitation | None: ...

    async def save(self, invitation: Invitation) -> None:
        """Store its acceptance or revocation."""
        ...

    async def of(self, organisation_id: UUID) -> list[Invitation]:
        """Newest first."""
        ...


class LocationRepository(Protocol):
    async def add(self, location: Location) -> None: ...

    async def get(self, location_id: UUID) -> Location | None: ...

    async def update(self, location: Location) -> None:
        """Store every field but its id, organisation and creation."""
        ...

    async def page(
        self, organisation_id: UUID, archived: bool, after: Cursor | None, limit: int
    ) -> Sequence[Location]:
        """The organisation's archived or active locations, newest first."""
        ...

    async def by_gln(
        self, organisation_id: UUID, gln: str, gln_extension: str | None
    ) -> Location | None:
        """The organisation's location with this GLN and extension (archived ones too)."""
        ...

    async def lock(self, organisation_id: UUID) -> None:
        """Hold the organisation's locations still until the transaction ends: writes that
        check GLNs and parents queue behind each other, in every process."""
        ...


class ApiClientRepository(Protocol):
    """Machine clients; each read carries the client's live secrets, oldest first."""

    async def add(self, client: ApiClient) -> None: ...

    async def get(self, client_id: UUID) -> ApiClient | None: ...

    async def get_for_update(self, client_id: UUID) -> ApiClient | None:
        """Locked until the transaction ends: its secrets change one request at a time."""
        ...

    async def of(self, organisation_id: UUID) -> list[ApiClient]:
        """Newest first, revoked ones too."""
        ...

    async def revoke(self, client_id: UUID, at: datetime) -> None: ...

    async def add_secret(self, secret: ClientSecret) -> None: ...

    async def revoke_secret(self, secret_id: UUID, at: datetime) -> None: ...


@dataclass(frozen=True)
class AssertionClaims:
    """What a verified client assertion says that matters afterwards."""

    jti: str
    expires_at: datetime


class ClientAssertions(Protocol):
    """RFC 7523 private_key_jwt: the public keys clients register, and the assertions they
    sign with them."""

    def public_key(self, jwk: Mapping[str, object]) -> dict[str, object]:
        """The key in canonical form; ValidationFailed (`public_key`) when it is not usable."""
        ...

    def claimed_client(self, assertion: str) -> str | None:
        """The client the assertion says it is from (`sub`), unverified: whose key checks it."""
        ...

    def verify(
        self,
        assertion: str,
        client_id: str,
        public_jwk: Mapping[str, object],
        audiences: Sequence[str],
        now: datetime,
    ) -> AssertionClaims:
        """Raise NotAuthenticated unless the client signed it for one of `audiences`."""
        ...


class ReplayGuard(Protocol):
    async def first_use(self, key: str, until: datetime) -> bool:
        """True the first time `key` is seen; remembered until `until`."""
        ...


class BatchRepository(Protocol):
    async def add(
        self,
        owner_id: UUID,
        new: NewBatch,
        code: str,
        at: datetime,
        parent_id: UUID | None = None,
        created_by: UUID | None = None,
    ) -> Batch: ...

    async def get(self, batch_id: UUID) -> Batch | None: ...

    async def by_public_code(self, public_code: str) -> Batch | None: ...

    async def by_code(self, code: str) -> Batch | None: ...

    async def get_for_update(self, batch_id: UUID) -> Batch | None: ...

    async def save_status(self, batch: Batch) -> None: ...

    async def page(
        self,
        owner_id: UUID | None,
        filters: BatchFilter,
        after: Cursor | None,
        limit: int,
        or_recipient: bool = False,
    ) -> Sequence[Batch]:
        """Newest first; with `or_recipient`, the batches owned by or shipped to owner_id."""
        ...


class TransactionRepository(Protocol):
    async def add(
        self, batch_id: UUID, new: NewTransaction, at: datetime, by: Actor | None = None
    ) -> Transaction:
        """`by`: who recorded it, kept with the row (not part of the record shown)."""
        ...

    async def by_hash(self, tx_hash: str) -> Transaction | None: ...

    async def page(
        self, batch_id: UUID, after: Cursor | None, limit: int
    ) -> Sequence[Transaction]: ...

    async def oldest_first(self, batch_id: UUID, limit: int) -> Sequence[Transaction]: ...


class EventRepository(Protocol):
    async def add(self, events: Sequence[BatchEvent], by: Actor | None = None) -> None:
        """`by`: who acted, and for which organisation, kept beside the events (outside their
        hashes, never published)."""
        ...

    async def head(self, batch_id: UUID) -> BatchEvent | None: ...

    async def chain(self, batch_id: UUID) -> list[BatchEvent]: ...

    async def has_hash(self, batch_id: UUID, event_hash: str) -> bool: ...


class RecordedEventRepository(Protocol):
    """The batch events the FSMA 204 records are made of, read a page at a time."""

    async def page(
        self, filters: EventFilter, after: tuple[datetime, int] | None, limit: int
    ) -> Sequence[StoredEvent]:
        """Up to `limit` events matching `filters`, in (time, id) order, after `after`."""
        ...


class EpcisRepository(Protocol):
    """Batch events' EPCIS forms, each stored once and never changed."""

    async def add(
        self,
        batch_id: UUID,
        seq: int | None,
        event: EpcisEvent,
        at: datetime,
        capture_id: UUID | None = None,
    ) -> None:
        """The form of the batch's event `seq`, frozen with it at `at` (the event's time); a
        second form of one event, or one eventID twice, is a Conflict. A captured event names
        its capture; one that drove no event of ours (an observation) has no `seq`."""
        ...

    async def captured(self, batch_ids: Sequence[UUID]) -> set[str]:
        """The eventIDs of these batches' events that trading partners captured."""
        ...

    async def known(self, event_ids: Sequence[str]) -> set[str]:
        """Those of these eventIDs that are stored already."""
        ...

    async def last(self, batch_id: UUID) -> EpcisEvent | None:
        """The batch's latest EPCIS event stored (a split lot's: its split), ours or captured."""
        ...

    async def of(self, batch_ids: Sequence[UUID]) -> list[EpcisEvent]:
        """The EPCIS events of these batches, in the order they happened."""
        ...

    async def query(
        self, query: EventQuery, viewer: UUID | None, after: EventCursor | None, limit: int
    ) -> list["StoredEpcisEvent"]:
        """Events answering `query`, oldest first by (event time, id), after `after`, at most
        `limit`: of the lots the organisation `viewer` owns or received (None: of all)."""
        ...

    async def by_event_id(self, event_id: str) -> "StoredEpcisEvent | None": ...


@dataclass(frozen=True)
class StoredEpcisEvent:
    """An EPCIS event as stored: the event as frozen, and what the store knows of it."""

    id: int
    batch_id: UUID | None
    event: EpcisEvent
    # When it was stored (EPCIS `recordTime`, not hashed) and its eventTime in UTC.
    record_time: datetime
    event_time: datetime


class CaptureRepository(Protocol):
    """EPCIS capture jobs (GS1's REST binding), each stored once, finished."""

    async def add(self, job: CaptureJob) -> None: ...

    async def get(self, capture_id: UUID, organisation_id: UUID) -> CaptureJob | None:
        """The organisation's job with this id; None for another organisation's."""
        ...


@dataclass(frozen=True)
class BatchSnapshot:
    """A batch with everything its public view shows, read at one instant."""

    batch: Batch
    # The parent's public code, when the parent is public too.
    parent_code: str | None
    events: list[BatchEvent]
    # Oldest first.
    transactions: list[Transaction]
    # The chain's verification as made when it last changed, when these events and anchors
    # are exactly what it was made over; None: the reader must verify the chain itself.
    verdict: Verification | None = None
    # Names exactly what was read (see PublicReadRepository.version); None: not tracked.
    version: str | None = None


class PublicReadRepository(Protocol):
    async def snapshot(self, public_code: str) -> BatchSnapshot | None:
        """The public batch with this public code; None for any other code."""
        ...

    async def version(self, public_code: str) -> str | None:
        """A short text that changes whenever anything the public batch's snapshot holds
        changes (the batch, its parent, its events, its transactions), in one cheap read and
        without reading the chain; None for a code that names no public batch. A snapshot
        carries the version it was read at."""
        ...


class LineageRepository(Protocol):
    async def ancestors(self, batch_id: UUID) -> list[Relative]:
        """Nearest first."""
        ...

    async def descendants(self, batch_id: UUID) -> list[Relative]: ...


@dataclass(frozen=True)
class RefreshToken:
    id: UUID
    user_id: UUID
    family_id: UUID
    expires_at: datetime
    session_expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    # The sealed pair this token was exchanged for (see Sealer).
    successor: str | None = None
    # The organisation the session acts for; None: the person's default.
    organisation_id: UUID | None = None


@dataclass(frozen=True)
class Session:
    """A live refresh-token family, as its user sees it."""

    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None


class RefreshTokenRepository(Protocol):
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
    ) -> RefreshToken: ...

    async def set_organisation(self, family_id: UUID, organisation_id: UUID) -> None:
        """The session's live tokens act for this organisation from now on."""
        ...

    async def by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None: ...

    async def mark_used(self, token_id: UUID, at: datetime, successor: str) -> None: ...

    async def revoke_family(self, family_id: UUID, at: datetime) -> None: ...

    async def revoke_all(self, user_id: UUID, at: datetime, keep: UUID | None = None) -> list[UUID]:
        """Revoke every live family of the user but `keep`; return their ids."""
        ...

    async def sessions(self, user_id: UUID, now: datetime) -> list[Session]: ...


@dataclass(frozen=True)
class AddressStanding:
    locked_for: int  # seconds this account is locked for from this address (0: not)
    failures: int  # failed logins from this address lately
    known_good: bool  # a login succeeded from this address lately


class LoginThrottle(Protocol):
    async def check(self, email: str, ip: str) -> AddressStanding: ...

    async def failed(self, email: str, ip: str) -> int: ...

    async def succeeded(self, email: str, ip: str) -> None: ...


class Revocations(Protocol):
    """The access-token deny-list."""

    async def revoke_token(self, token_id: str, ttl_seconds: int) -> None: ...

    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None: ...

    async def open_epoch(self) -> str:
        """The deny-list's epoch, begun now if there is none (before the first token is
        issued). A token names the epoch it was issued in; a new one refuses them all."""
        ...


class RoleCache(Protocol):
    """People's roles in their organisations, kept where the per-request check reads them, so
    that a request need not read its caller's role from the database."""

    async def keep(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, epoch: str
    ) -> None:
        """Keep a role just read from the database, unless one is kept already or a change of
        this membership is under way. It is served only to tokens of the deny-list `epoch`
        named (a new epoch, after a restore, forgets every kept role). Never raises for the
        cache being out of reach."""
        ...

    def changing(
        self, memberships: Sequence[tuple[UUID, UUID]]
    ) -> AbstractAsyncContextManager[None]:
        """Around a change of these (organisation, person) memberships: no role of theirs is
        served or kept from before the change until well after it. Entering raises when the
        cache is out of reach, so that the change does not happen; leaving clears them again,
        however long the change took."""
        ...


class AuditLog(Protocol):
    async def record(self, event: AuditEvent, at: datetime) -> None: ...

    async def page(
        self, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> Sequence[AuditEntry]: ...


class Sealer(Protocol):
    """Encrypts with a key derived from a secret the caller holds (a refresh token)."""

    def seal(self, secret: str, plaintext: bytes) -> str: ...

    def open(self, secret: str, sealed: str) -> bytes | None: ...


class HashQueue(Protocol):
    """Admission to password hashing: bounded per worker and per client address; raises
    Throttled or Overloaded instead of queueing without end. Lower priorities go first."""

    def admit(self, client: str, priority: int) -> AbstractAsyncContextManager[None]: ...


class AuditQuota(Protocol):
    """How many refusal rows one client may cause: True while under its limit."""

    async def allow(self, client: str) -> bool: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    role: Role
    session_id: UUID
    token_id: str
    expires_at: datetime
    issued_at: datetime | None = None
    # The deny-list epoch the token was issued in (none in tokens issued before epochs were named).
    epoch: str | None = None
    # The organisation the caller acts for (none in tokens issued before organisations: the
    # person's own, which shares their id).
    organisation_id: UUID | None = None
    # A machine client's name and scopes; None for a person.
    client_name: str | None = None
    scopes: frozenset[str] = frozenset()
    # A machine client's own rate limit per minute; None: the default for clients.
    rate_limit: int | None = None

    @property
    def acting_for(self) -> UUID:
        """The organisation the caller acts for: the one the token names, else their own."""
        return self.organisation_id or self.user_id


class TokenIssuer(Protocol):
    def issue(
        self,
        user: User,
        session_id: UUID,
        at: datetime,
        epoch: str = "",
        organisation_id: UUID | None = None,
    ) -> tuple[str, int]:
        """Return a signed access token and its lifetime in seconds."""
        ...

    def issue_for_client(
        self, client: ApiClient, role: Role, scopes: frozenset[str], at: datetime, epoch: str
    ) -> tuple[str, int]:
        """A machine client's access token (its session is the client itself), with `scopes`."""
        ...

    def verify(self, token: str) -> AccessClaims: ...


class DependencyProbe(Protocol):
    async def ping(self) -> None: ...


class Mailer(Protocol):
    async def send_invitation(
        self, to: str, organisation: str, inviter: str, token: str, expires_at: datetime
    ) -> bool:
        """True once the mail is handed to the mail server; False when mail is not set up."""
        ...


class Outbox(Protocol):
    """Webhook events, written inside the transaction of the change they report: committed
    with it or not at all (docs/API.md, "Webhooks")."""

    async def emit(self, event: OutboxEvent) -> None: ...


class WebhookRepository(Protocol):
    async def add(self, subscription: Subscription, secret: str) -> None: ...

    async def get(self, subscription_id: UUID) -> Subscription | None: ...

    async def get_for_update(self, subscription_id: UUID) -> Subscription | None: ...

    async def of(self, organisation_id: UUID) -> list[Subscription]:
        """Oldest first."""
        ...

    async def set_state(
        self,
        subscription_id: UUID,
        state: SubscriptionState,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        """Resuming also makes its waiting deliveries due now."""
        ...

    async def rotate(
        self, subscription_id: UUID, secret: str, previous_until: datetime, at: datetime
    ) -> None:
        """`secret` signs from now on; the one it replaces also signs until `previous_until`."""
        ...

    async def delete(self, subscription_id: UUID) -> None:
        """With its deliveries."""
        ...

    async def deliveries(
        self, subscription_id: UUID, before: int | None, limit: int
    ) -> list[Delivery]:
        """Newest first, those with an id below `before`."""
        ...

    async def replay(
        self, subscription_id: UUID, since: datetime, until: datetime, limit: int, at: datetime
    ) -> int:
        """Queue again the events of [since, until) the subscription is entitled to, each under
        its own message id, oldest first; at most `limit`. Returns how many."""
        ...


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds until its lease ends: what to send, and where."""

    id: int
    subscription_id: UUID
    organisation_id: UUID
    url: str
    # The live signing secrets: the current one first, then one being rotated out.
    secrets: list[str]
    message_id: str
    event_type: str
    batch_id: UUID
    body: bytes
    attempts: int
    created_at: datetime
    first_failed_at: datetime | None


@dataclass(frozen=True)
class SendOutcome:
    ok: bool
    status: int | None = None
    # Why it failed, short and with no secret (a timeout, a refused address, a status).
    error: str | None = None


class DeliveryQueue(Protocol):
    async def claim(self, limit: int, lease_seconds: float, per_endpoint: int) -> list[Claimed]:
        """Due deliveries no other worker holds, at most one per subscription and lot (the
        earliest: a lot's events go out in order) and `per_endpoint` per subscription."""
        ...

    async def delivered(self, delivery_id: int, status: int, at: datetime) -> None: ...

    async def retry(
        self, delivery: Claimed, outcome: SendOutcome, at: datetime, next_at: datetime
    ) -> None: ...

    async def give_up(self, delivery: Claimed, outcome: SendOutcome, at: datetime) -> None:
        """The delivery failed for good, and its subscription is disabled."""
        ...


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> SendOutcome: ...
