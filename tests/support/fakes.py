"""In-memory stand-ins for the ports in api/application/ports.py and for the presentation's
(api/presentation/context.py), shared by the unit and HTTP-layer tests."""

import hashlib
import json
from collections.abc import AsyncIterator, Hashable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Protocol
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from redis.exceptions import ConnectionError as RedisConnectionError
from tortoise.exceptions import IntegrityError

from api.application.pagination import Cursor, EventCursor
from api.application.ports import (
    AddressStanding,
    BatchSnapshot,
    RefreshToken,
    Session,
    StoredEpcisEvent,
    UserFilter,
)
from api.application.registration import personal_organisation
from api.domain.audit import AuditEntry, AuditEvent, AuditFilter, RequestContext
from api.domain.batches import Batch, BatchFilter, NewBatch
from api.domain.clients import ApiClient, ClientSecret
from api.domain.epcis.capture import CaptureJob
from api.domain.epcis.query import EventQuery, keys_of, matches
from api.domain.errors import Conflict
from api.domain.events import BatchEvent, Verification, verify
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
from api.infrastructure.cache.guard import CLOCK_SKEW_SECONDS, Verdict
from api.infrastructure.cache.idempotency import Claim, StoredResponse
from api.infrastructure.cache.login_throttle import ThrottlePolicy
from api.infrastructure.security.keys import KeyRing, thumbprint

START = datetime(2031, 3, 14, 9, 26, 53, tzinfo=UTC)


class FakeClock:
    def __init__(self, at: datetime = START) -> None:
        self._now = at

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**parts)
        return self._now


class NullUnitOfWork:
    @asynccontextmanager
    async def atomic(self, serial_key: str | None = None) -> AsyncIterator[None]:
        yield


def _newest_first(
    rows: Sequence[Batch | Transaction | User | Location | AuditEntry],
    after: Cursor | None,
    limit: int,
) -> list[Any]:
    ordered = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)
    if after is not None:
        ordered = [r for r in ordered if (r.created_at, r.id) < (after.created_at, after.id)]
    return ordered[:limit]


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[UUID, User] = {}

    async def add(
        self, email: str, full_name: str, role: Role, password_hash: str, at: datetime
    ) -> User:
        if any(u.email == email for u in self.rows.values()):
            raise Conflict("an account with this email already exists")
        user = User(uuid4(), email, full_name, role, password_hash, at)
        self.rows[user.id] = user
        return user

    async def by_email(self, email: str) -> User | None:
        return next((u for u in self.rows.values() if u.email == email), None)

    async def by_id(self, user_id: UUID) -> User | None:
        return self.rows.get(user_id)

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self.rows[user_id] = replace(self.rows[user_id], password_hash=password_hash)

    def deactivate(self, user_id: UUID) -> None:
        self.rows[user_id] = replace(self.rows[user_id], is_active=False)

    async def page(self, filters: UserFilter, after: Cursor | None, limit: int) -> Sequence[User]:
        rows = [
            u
            for u in self.rows.values()
            if filters.role in (None, u.role) and filters.is_active in (None, u.is_active)
        ]
        return _newest_first(rows, after, limit)

    async def update(self, user_id: UUID, at: datetime, is_active: bool, role: Role) -> User:
        self.rows[user_id] = replace(self.rows[user_id], is_active=is_active, role=role)
        return self.rows[user_id]

    async def active_admins_for_update(self) -> list[UUID]:
        return sorted(u.id for u in self.rows.values() if u.role == Role.ADMIN and u.is_active)


class FakeOrganisations:
    """Organisations and members in memory. As after the migration, every user has an
    organisation of their own (sharing their id, owned by them) unless a test says otherwise."""

    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.rows: dict[UUID, Organisation] = {}
        self.roles: dict[tuple[UUID, UUID], MemberRole] = {}
        self.joined: dict[tuple[UUID, UUID], datetime] = {}
        self.left: set[tuple[UUID, UUID]] = set()

    def _personal(self, user: User) -> Organisation:
        own = personal_organisation(user.full_name, user.role)
        return Organisation(
            user.id, own.name, own.country, own.activities, user.created_at, user.created_at
        )

    async def add(
        self, new: NewOrganisation, at: datetime, organisation_id: UUID | None = None
    ) -> Organisation:
        if new.gln and any(o.gln == new.gln for o in self.rows.values()):
            raise Conflict("an organisation with this GLN exists")
        org = Organisation(
            organisation_id or uuid4(), new.name, new.country, new.activities, at, at,
            new.phone, new.gln,
        )  # fmt: skip
        self.rows[org.id] = org
        return org

    async def get(self, organisation_id: UUID) -> Organisation | None:
        if organisation_id in self.rows:
            return self.rows[organisation_id]
        user = self.users.rows.get(organisation_id)
        return self._personal(user) if user else None

    async def by_gln(self, gln: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.gln == gln), None)

    async def update(self, organisation: Organisation) -> None:
        self.rows[organisation.id] = organisation

    async def add_member(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None:
        if (organisation_id, user_id) in self.roles:
            raise Conflict("this person is a member already")
        self.roles[(organisation_id, user_id)] = role
        self.joined[(organisation_id, user_id)] = at
        self.left.discard((organisation_id, user_id))

    async def role_of(self, organisation_id: UUID, user_id: UUID) -> MemberRole | None:
        key = (organisation_id, user_id)
        if key in self.left:
            return None
        if key not in self.roles and organisation_id == user_id and user_id in self.users.rows:
            return MemberRole.OWNER
        return self.roles.get(key)

    async def _mine(self, user_id: UUID) -> list[UUID]:
        ids = [o for (o, u) in self.roles if u == user_id and (o, u) not in self.left]
        if user_id not in ids and await self.role_of(user_id, user_id):
            ids.insert(0, user_id)
        return sorted(ids, key=lambda o: (o != user_id, self.joined.get((o, user_id), START)))

    async def default_for(self, user_id: UUID) -> UUID | None:
        return next(iter(await self._mine(user_id)), None)

    async def memberships(self, user_id: UUID) -> list[Membership]:
        found = []
        for org_id in await self._mine(user_id):
            org, role = await self.get(org_id), await self.role_of(org_id, user_id)
            assert org is not None
            assert role is not None
            found.append(Membership(org, role))
        return found

    async def members(self, organisation_id: UUID) -> list[Member]:
        found = []
        for user in self.users.rows.values():
            role = await self.role_of(organisation_id, user.id)
            if role is not None:
                at = self.joined.get((organisation_id, user.id), user.created_at)
                found.append(Member(user.id, organisation_id, role, user.email, user.full_name, at))
        return sorted(found, key=lambda m: m.created_at)

    async def owners_for_update(self, organisation_id: UUID) -> list[UUID]:
        return sorted(
            m.user_id for m in await self.members(organisation_id) if m.role == MemberRole.OWNER
        )

    async def set_role(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, at: datetime
    ) -> None:
        self.roles[(organisation_id, user_id)] = role

    async def remove_member(self, organisation_id: UUID, user_id: UUID) -> None:
        self.roles.pop((organisation_id, user_id), None)
        self.left.add((organisation_id, user_id))

    async def buyers_of(self, user_id: UUID) -> list[Organisation]:
        orgs = [o for o in [await self.get(o) for o in await self._mine(user_id)] if o]
        # Their own first, then by when the organisations were made (not when they joined).
        return sorted(
            (o for o in orgs if o.buys), key=lambda o: (o.id != user_id, o.created_at, o.id)
        )


class FakeInvitations:
    def __init__(self) -> None:
        self.rows: dict[UUID, Invitation] = {}
        self.hashes: dict[str, UUID] = {}

    async def add(self, invitation: Invitation, token_hash: str) -> None:
        self.rows[invitation.id] = invitation
        self.hashes[token_hash] = invitation.id

    async def get(self, invitation_id: UUID) -> Invitation | None:
        return self.rows.get(invitation_id)

    async def by_hash_for_update(self, token_hash: str) -> Invitation | None:
        found = self.hashes.get(token_hash)
        return self.rows[found] if found else None

    async def save(self, invitation: Invitation) -> None:
        self.rows[invitation.id] = invitation

    async def of(self, organisation_id: UUID) -> list[Invitation]:
        found = [i for i in self.rows.values() if i.organisation_id == organisation_id]
        return sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)


class FakeApiClients:
    def __init__(self) -> None:
        self.rows: dict[UUID, ApiClient] = {}
        self.secrets: dict[UUID, ClientSecret] = {}

    async def add(self, client: ApiClient) -> None:
        self.rows[client.id] = replace(client, secrets=())

    async def get(self, client_id: UUID) -> ApiClient | None:
        client = self.rows.get(client_id)
        return self._with_secrets(client) if client else None

    async def get_for_update(self, client_id: UUID) -> ApiClient | None:
        return await self.get(client_id)

    async def of(self, organisation_id: UUID) -> list[ApiClient]:
        found = [self._with_secrets(c) for c in self.rows.values()]
        found = [c for c in found if c.organisation_id == organisation_id]
        return sorted(found, key=lambda c: (c.created_at, c.id), reverse=True)

    async def revoke(self, client_id: UUID, at: datetime) -> None:
        if self.rows[client_id].revoked_at is None:
            self.rows[client_id] = replace(self.rows[client_id], revoked_at=at, updated_at=at)

    async def add_secret(self, secret: ClientSecret) -> None:
        if any(s.secret_hash == secret.secret_hash for s in self.secrets.values()):
            raise Conflict("duplicate secret")
        self.secrets[secret.id] = secret

    async def revoke_secret(self, secret_id: UUID, at: datetime) -> None:
        if self.secrets[secret_id].revoked_at is None:
            self.secrets[secret_id] = replace(self.secrets[secret_id], revoked_at=at)

    def _with_secrets(self, client: ApiClient) -> ApiClient:
        live = [s for s in self.secrets.values() if s.client_id == client.id and not s.revoked_at]
        return replace(client, secrets=tuple(sorted(live, key=lambda s: (s.created_at, s.id))))


class FakeReplayGuard:
    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}

    async def first_use(self, key: str, until: datetime) -> bool:
        if key in self.seen:
            return False
        self.seen[key] = until
        return True


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, str, datetime]] = []

    async def send_invitation(
        self, to: str, organisation: str, inviter: str, token: str, expires_at: datetime
    ) -> bool:
        self.sent.append((to, organisation, inviter, token, expires_at))
        return True


class FakeLocations:
    def __init__(self) -> None:
        self.rows: dict[UUID, Location] = {}
        self.locked: list[UUID] = []

    async def add(self, location: Location) -> None:
        self.rows[location.id] = location

    async def get(self, location_id: UUID) -> Location | None:
        return self.rows.get(location_id)

    async def update(self, location: Location) -> None:
        stored = self.rows[location.id]
        self.rows[location.id] = replace(
            location,
            organisation_id=stored.organisation_id,
            created_by=stored.created_by,
            created_at=stored.created_at,
        )

    async def page(
        self, organisation_id: UUID, archived: bool, after: Cursor | None, limit: int
    ) -> Sequence[Location]:
        rows = [
            x
            for x in self.rows.values()
            if x.organisation_id == organisation_id and x.archived == archived
        ]
        return _newest_first(rows, after, limit)

    async def by_gln(
        self, organisation_id: UUID, gln: str, gln_extension: str | None
    ) -> Location | None:
        found = (
            x
            for x in self.rows.values()
            if (x.organisation_id, x.gln, x.gln_extension) == (organisation_id, gln, gln_extension)
        )
        return next(found, None)

    async def lock(self, organisation_id: UUID) -> None:
        self.locked.append(organisation_id)


class FakeBatches:
    def __init__(self) -> None:
        self.rows: dict[UUID, Batch] = {}
        self._sequence = 0

    async def add(
        self,
        owner_id: UUID,
        new: NewBatch,
        code: str,
        at: datetime,
        parent_id: UUID | None = None,
        created_by: UUID | None = None,
    ) -> Batch:
        if any(b.code == code for b in self.rows.values()):
            raise Conflict(f"batch code {code} is already taken")
        batch = new.register(owner_id, code, at, parent_id, created_by)
        self.rows[batch.id] = batch
        return batch

    async def get(self, batch_id: UUID) -> Batch | None:
        return self.rows.get(batch_id)

    async def by_public_code(self, public_code: str) -> Batch | None:
        return next((b for b in self.rows.values() if b.public_code == public_code), None)

    async def by_code(self, code: str) -> Batch | None:
        return next((b for b in self.rows.values() if b.code == code), None)

    async def get_for_update(self, batch_id: UUID) -> Batch | None:
        return self.rows.get(batch_id)

    async def save_status(self, batch: Batch) -> None:
        self.rows[batch.id] = replace(
            self.rows[batch.id],
            status=batch.status,
            updated_at=batch.updated_at,
            recipient_id=batch.recipient_id,
            published_at=batch.published_at,
            ship_from_location_id=batch.ship_from_location_id,
            ship_to_location_id=batch.ship_to_location_id,
        )

    async def page(
        self,
        owner_id: UUID | None,
        filters: BatchFilter,
        after: Cursor | None,
        limit: int,
        or_recipient: bool = False,
    ) -> Sequence[Batch]:
        rows = [
            b
            for b in self.rows.values()
            if owner_id is None
            or b.owner_id == owner_id
            or (or_recipient and b.recipient_id == owner_id)
        ]

        if filters.status is not None:
            rows = [b for b in rows if b.status == filters.status]
        if filters.product is not None:
            rows = [b for b in rows if b.product.lower() == filters.product.lower()]
        if filters.created_from is not None:
            start = datetime.combine(filters.created_from, time(), UTC)
            rows = [b for b in rows if b.created_at >= start]
        if filters.created_to is not None and filters.created_to < date.max:
            end = datetime.combine(filters.created_to + timedelta(days=1), time(), UTC)
            rows = [b for b in rows if b.created_at < end]
        return _newest_first(rows, after, limit)


class FakeTransactions:
    def __init__(self) -> None:
        self.rows: dict[UUID, Transaction] = {}

    async def add(
        self, batch_id: UUID, new: NewTransaction, at: datetime, by: Actor | None = None
    ) -> Transaction:
        if any(t.tx_hash == new.tx_hash for t in self.rows.values()):
            raise Conflict("this transaction hash is already recorded")
        record = new.record(batch_id, at)
        self.rows[record.id] = record
        return record

    async def by_hash(self, tx_hash: str) -> Transaction | None:
        return next((t for t in self.rows.values() if t.tx_hash == tx_hash), None)

    async def page(self, batch_id: UUID, after: Cursor | None, limit: int) -> Sequence[Transaction]:
        rows = [t for t in self.rows.values() if t.batch_id == batch_id]
        return _newest_first(rows, after, limit)

    async def oldest_first(self, batch_id: UUID, limit: int) -> Sequence[Transaction]:
        rows = [t for t in self.rows.values() if t.batch_id == batch_id]
        return sorted(rows, key=lambda t: (t.created_at, t.id))[:limit]


class FakeEvents:
    def __init__(self, transactions: FakeTransactions | None = None) -> None:
        self.chains: dict[UUID, list[BatchEvent]] = {}
        # As the table's serial id: the order events were stored in.
        self.ids: dict[tuple[UUID, int], int] = {}
        # As PgEvents keeps on the batch's row: each chain's verdict when it last changed, and
        # what it was made over (the events and anchors, here by value).
        self.transactions = transactions
        self.verdicts: dict[UUID, tuple[Verification, Hashable]] = {}

    def basis(self, batch_id: UUID) -> Hashable:
        records = self.transactions.rows.values() if self.transactions else []
        anchors = [(t.tx_hash, t.anchor_hash) for t in records if t.batch_id == batch_id]
        return tuple(self.chains.get(batch_id, ())), tuple(sorted(anchors))

    def kept_verdict(self, batch_id: UUID) -> Verification | None:
        kept = self.verdicts.get(batch_id)
        return kept[0] if kept is not None and kept[1] == self.basis(batch_id) else None

    async def add(self, events: Sequence[BatchEvent], by: Actor | None = None) -> None:
        # As the database's unique (batch_id, seq): a bug, not a Conflict; all or nothing.
        taken = {(e.batch_id, e.seq) for chain in self.chains.values() for e in chain}
        keys = [(e.batch_id, e.seq) for e in events]
        if taken.intersection(keys) or len(set(keys)) < len(keys):
            raise IntegrityError("duplicate key value violates unique constraint (batch_id, seq)")
        for event in events:
            self.ids[(event.batch_id, event.seq)] = len(self.ids) + 1
            chain = self.chains.setdefault(event.batch_id, [])
            chain.append(event)
            chain.sort(key=lambda e: e.seq)
        for batch_id in {e.batch_id for e in events}:
            chain, records = self.chains[batch_id], self.transactions
            found = list(await records.oldest_first(batch_id, 1000)) if records else []
            verdict = verify(chain, [(t.tx_hash, t.anchor_hash) for t in found])
            self.verdicts[batch_id] = (verdict, self.basis(batch_id))

    async def head(self, batch_id: UUID) -> BatchEvent | None:
        chain = self.chains.get(batch_id)
        return chain[-1] if chain else None

    async def chain(self, batch_id: UUID) -> list[BatchEvent]:
        return list(self.chains.get(batch_id, []))

    async def has_hash(self, batch_id: UUID, event_hash: str) -> bool:
        return any(e.hash == event_hash for e in self.chains.get(batch_id, []))


class FakeRecordedEvents:
    """The FSMA 204 export's reads of FakeEvents and FakeBatches, as PgRecordedEvents."""

    def __init__(self, batches: FakeBatches, events: FakeEvents) -> None:
        self.batches, self.events = batches, events

    async def page(
        self, filters: EventFilter, after: tuple[datetime, int] | None, limit: int
    ) -> Sequence[StoredEvent]:
        found = []
        for batch_id, chain in self.events.chains.items():
            batch = self.batches.rows[batch_id]
            org = filters.organisation_id
            if org is not None and org not in (batch.owner_id, batch.recipient_id):
                continue
            if filters.product is not None and batch.product.lower() != filters.product.lower():
                continue
            shipment = next((e.data for e in reversed(chain) if e.type == "shipped"), None)
            for event in chain:
                key = (event.at, self.events.ids[(batch_id, event.seq)])
                if (
                    event.type not in filters.types
                    or (filters.start is not None and event.at < filters.start)
                    or (filters.end is not None and event.at >= filters.end)
                    or (after is not None and key <= after)
                ):
                    continue
                delivered = shipment if event.type == "delivered" else None
                found.append(
                    StoredEvent(key[1], batch, event.type, event.at, event.data, delivered)
                )
        return sorted(found, key=lambda e: (e.at, e.id))[:limit]


class BatchLookup(Protocol):
    async def get(self, batch_id: UUID) -> Batch | None: ...


class FakeEpcisEvents:
    """`batches` tells owners and recipients apart for queries by a viewer (a FakeBatches, or
    the real store in the store suite)."""

    def __init__(self, batches: BatchLookup | None = None) -> None:
        self.batches = batches
        self.stored: list[StoredEpcisEvent] = []
        self.seqs: list[int | None] = []
        # The eventIDs captured, and the capture each came in.
        self.captures: dict[str, UUID] = {}

    @property
    def rows(self) -> list[tuple[UUID | None, int | None, dict[str, Any], datetime]]:
        """(batch_id, seq, event, at), in the order they were frozen."""
        return [
            (s.batch_id, seq, s.event, s.record_time)
            for s, seq in zip(self.stored, self.seqs, strict=True)
        ]

    async def add(
        self,
        batch_id: UUID,
        seq: int | None,
        event: dict[str, Any],
        at: datetime,
        capture_id: UUID | None = None,
    ) -> None:
        if any(
            (seq is not None and (b, s) == (batch_id, seq)) or e["eventID"] == event["eventID"]
            for b, s, e, _ in self.rows
        ):
            raise Conflict("this event is frozen already")
        keys = keys_of(event)  # as the database's columns: an event without them fails
        row_id = len(self.stored) + 1
        self.stored.append(StoredEpcisEvent(row_id, batch_id, event, at, keys.event_time))
        self.seqs.append(seq)
        if capture_id is not None:
            self.captures[str(event["eventID"])] = capture_id

    async def last(self, batch_id: UUID) -> dict[str, Any] | None:
        # The latest stored, as the table's id orders them.
        mine = [e for b, _, e, _ in self.rows if b == batch_id]
        return mine[-1] if mine else None

    async def known(self, event_ids: Sequence[str]) -> set[str]:
        return {str(e["eventID"]) for _, _, e, _ in self.rows} & set(event_ids)

    async def captured(self, batch_ids: Sequence[UUID]) -> set[str]:
        return {
            str(e["eventID"])
            for b, _, e, _ in self.rows
            if b in batch_ids and e["eventID"] in self.captures
        }

    async def of(self, batch_ids: Sequence[UUID]) -> list[dict[str, Any]]:
        mine = [(at, i, e) for i, (b, _, e, at) in enumerate(self.rows) if b in batch_ids]
        return [e for _, _, e in sorted(mine, key=lambda row: row[:2])]

    async def query(
        self, query: EventQuery, viewer: UUID | None, after: EventCursor | None, limit: int
    ) -> list[StoredEpcisEvent]:
        found = []
        for stored in sorted(self.stored, key=lambda s: (s.event_time, s.id)):
            if after is not None and (stored.event_time, stored.id) <= (after.event_time, after.id):
                continue
            if not matches(query, keys_of(stored.event), str(stored.event["eventID"])):
                continue
            if viewer is not None and not await self._sees(viewer, stored.batch_id):
                continue
            found.append(stored)
        return found[:limit]

    async def by_event_id(self, event_id: str) -> StoredEpcisEvent | None:
        return next((s for s in self.stored if s.event["eventID"] == event_id), None)

    async def _sees(self, viewer: UUID, batch_id: UUID | None) -> bool:
        if self.batches is None:
            raise RuntimeError("a FakeEpcisEvents queried by a viewer needs the batches")
        batch = None if batch_id is None else await self.batches.get(batch_id)
        return batch is not None and viewer in (batch.owner_id, batch.recipient_id)


class FakeCaptures:
    def __init__(self) -> None:
        self.jobs: dict[UUID, CaptureJob] = {}

    async def add(self, job: CaptureJob) -> None:
        self.jobs[job.id] = job

    async def get(self, capture_id: UUID, organisation_id: UUID) -> CaptureJob | None:
        job = self.jobs.get(capture_id)
        return job if job is not None and job.organisation_id == organisation_id else None


class FakeRefreshTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, RefreshToken] = {}
        # When each token was issued, and to what user agent and address.
        self.issued: dict[UUID, tuple[datetime, str | None, str | None]] = {}

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
        if token_hash in self.tokens:
            raise IntegrityError("duplicate key value violates unique constraint (token_hash)")
        token = RefreshToken(
            uuid4(), user_id, family_id, expires_at, session_expires_at, None, None,
            organisation_id=organisation_id,
        )  # fmt: skip
        self.tokens[token_hash] = token
        self.issued[token.id] = (at, (context.user_agent or "")[:512] or None, context.ip)
        return token

    async def set_organisation(self, family_id: UUID, organisation_id: UUID) -> None:
        for key, token in self.tokens.items():
            if token.family_id == family_id and token.used_at is None and not token.revoked_at:
                self.tokens[key] = replace(token, organisation_id=organisation_id)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    async def mark_used(self, token_id: UUID, at: datetime, successor: str) -> None:
        for key, token in self.tokens.items():
            if token.id == token_id:
                self.tokens[key] = replace(token, used_at=at, successor=successor)

    async def revoke_family(self, family_id: UUID, at: datetime) -> None:
        for key, token in self.tokens.items():
            if token.family_id == family_id and token.revoked_at is None:
                self.tokens[key] = replace(token, revoked_at=at)

    async def revoke_all(self, user_id: UUID, at: datetime, keep: UUID | None = None) -> list[UUID]:
        families = {
            t.family_id
            for t in self.tokens.values()
            if t.user_id == user_id and not t.revoked_at and t.family_id != keep
        }
        for family in families:
            await self.revoke_family(family, at)
        return sorted(families)

    async def sessions(self, user_id: UUID, now: datetime) -> list[Session]:
        live: dict[UUID, list[RefreshToken]] = {}
        for token in self.tokens.values():
            if token.user_id == user_id and not token.revoked_at and token.session_expires_at > now:
                live.setdefault(token.family_id, []).append(token)
        sessions = []
        for family, tokens in live.items():
            tokens.sort(key=lambda t: self.issued[t.id][0])
            latest = tokens[-1]
            expires = min(latest.expires_at, latest.session_expires_at)
            if expires > now:
                last_at, agent, ip = self.issued[latest.id]
                first_at = self.issued[tokens[0].id][0]
                sessions.append(Session(family, first_at, last_at, expires, agent, ip))
        return sorted(sessions, key=lambda s: s.last_used_at, reverse=True)


class FakeThrottle:
    """RedisLoginThrottle's counting without its clock: counts and locks never expire. Each
    lock doubles from one second up to the policy's ceiling; an address failing often enough is
    locked for the window, whatever the account."""

    def __init__(self, policy: ThrottlePolicy) -> None:
        self.policy = policy
        self.failures: dict[tuple[str, str], int] = {}
        self.address_failures: dict[str, int] = {}
        self.locks: dict[tuple[str, str] | str, int] = {}
        self.good: set[str] = set()

    async def check(self, email: str, ip: str) -> AddressStanding:
        locked = max(self.locks.get((email, ip), 0), self.locks.get(ip, 0))
        return AddressStanding(locked, self.address_failures.get(ip, 0), ip in self.good)

    async def failed(self, email: str, ip: str) -> int:
        p, lock = self.policy, 0
        count = self.failures[(email, ip)] = self.failures.get((email, ip), 0) + 1
        address = self.address_failures[ip] = self.address_failures.get(ip, 0) + 1
        if count >= p.failures_before_lockout:
            over = count - p.failures_before_lockout
            lock = self.locks[(email, ip)] = min(2**over, p.lockout_max_seconds)
        if address >= p.failures_per_ip:
            lock = max(lock, p.window_seconds)
            self.locks[ip] = p.window_seconds
        return lock

    async def succeeded(self, email: str, ip: str) -> None:
        self.failures.pop((email, ip), None)
        self.locks.pop((email, ip), None)
        self.good.add(ip)


class FakeRevocations:
    def __init__(self) -> None:
        self.tokens: set[str] = set()
        self.sessions: set[str] = set()
        # As Redis begins it: the time to the microsecond (here, when the fake is made).
        self.epoch = f"{datetime.now(UTC).timestamp():.6f}"

    async def revoke_token(self, token_id: str, ttl_seconds: int) -> None:
        self.tokens.add(token_id)

    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None:
        self.sessions.update(session_ids)

    async def open_epoch(self) -> str:
        return self.epoch


class FakeRoleCache:
    """RedisRoleCache in a dict: a role is kept unless a value is (a change's mark included);
    a change marks its memberships before and after; nothing expires. `down` makes Redis
    unreachable: a change is refused, keeping is skipped."""

    CHANGING = "-"

    def __init__(self) -> None:
        self.kept: dict[tuple[UUID, UUID], str] = {}
        self.down = False

    async def keep(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, epoch: str
    ) -> None:
        if not self.down:
            self.kept.setdefault((organisation_id, user_id), f"{epoch}|{role.value}")

    @asynccontextmanager
    async def changing(self, memberships: Sequence[tuple[UUID, UUID]]) -> AsyncIterator[None]:
        self._mark(memberships)
        try:
            yield
        finally:
            if not self.down:
                self._mark(memberships)

    def role(self, membership: tuple[UUID, UUID], epoch: str | None) -> MemberRole | None:
        kept_in, _, role = self.kept.get(membership, self.CHANGING).partition("|")
        return MemberRole(role) if epoch and kept_in == epoch and role else None

    def _mark(self, memberships: Sequence[tuple[UUID, UUID]]) -> None:
        if self.down:
            raise RedisConnectionError("Connection refused")
        for membership in memberships:
            self.kept[membership] = self.CHANGING


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: list[tuple[AuditEvent, datetime]] = []
        self.rows: list[AuditEntry] = []

    async def record(self, event: AuditEvent, at: datetime) -> None:
        self.entries.append((event, at))
        c = event.context
        # As the table keeps them: long values cut, empty ones NULL, metadata through JSON.
        self.rows.append(AuditEntry(
            uuid4(), at, event.actor_id, event.action, event.target_type,
            (event.target_id or "")[:64] or None, c.ip, (c.user_agent or "")[:512] or None,
            c.request_id[:128], json.loads(json.dumps(event.metadata, default=str)),
            c.client_request_id, c.organisation_id, c.client_id, c.client_name,
        ))  # fmt: skip

    def actions(self) -> list[str]:
        return [event.action for event, _ in self.entries]

    async def page(
        self, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> list[AuditEntry]:
        wanted = {
            "actor_id": filters.actor_id,
            "organisation_id": filters.organisation_id,
            "action": filters.action,
            "target_id": filters.target_id,
        }
        rows = [
            e
            for e in self.rows
            if all(v is None or getattr(e, k) == v for k, v in wanted.items())
            and (filters.since is None or e.at >= filters.since)
            and (filters.until is None or e.at <= filters.until)
        ]
        return _newest_first(rows, after, limit)

    def of(self, action: str) -> list[AuditEvent]:
        return [event for event, _ in self.entries if event.action == action]


class FakeHasher:
    PREFIX = "hashed:"

    def __init__(self) -> None:
        self.verified: list[str] = []

    async def hash(self, password: str) -> str:
        return self.PREFIX + password

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return password_hash == self.PREFIX + password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self.PREFIX)


@dataclass(frozen=True)
class GeneratedKey:
    private: RSAPrivateKey
    kid: str

    def ring(self, *older: "GeneratedKey") -> KeyRing:
        verify = {self.kid: self.private.public_key()}
        verify.update({k.kid: k.private.public_key() for k in older})
        return KeyRing(self.private, self.kid, verify)


def generate_key() -> GeneratedKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return GeneratedKey(private, thumbprint(private.public_key()))


@cache
def shared_key() -> GeneratedKey:
    """One key per test run for tests that only need some valid signing key."""
    return generate_key()


class FakeLineage:
    """Relatives found by walking `parent_id` in a FakeBatches."""

    def __init__(self, batches: FakeBatches) -> None:
        self.batches = batches

    async def ancestors(self, batch_id: UUID) -> list[Relative]:
        found, batch, generation = [], self.batches.rows.get(batch_id), -1
        while batch is not None and batch.parent_id is not None:
            batch = self.batches.rows[batch.parent_id]
            found.append(_relative(batch, generation))
            generation -= 1
        return found

    async def descendants(self, batch_id: UUID) -> list[Relative]:
        found, generation, parents = [], 1, {batch_id}
        while parents:
            children = sorted(
                (b for b in self.batches.rows.values() if b.parent_id in parents),
                key=lambda b: b.code,
            )
            found += [_relative(b, generation) for b in children]
            parents, generation = {b.id for b in children}, generation + 1
        return found


def _relative(batch: Batch, generation: int) -> Relative:
    return Relative(
        batch.id,
        batch.code,
        batch.parent_id,
        batch.product,
        batch.quantity,
        batch.unit,
        batch.status,
        generation,
        batch.split_kind,
    )


class FakePublicReads:
    def __init__(
        self, batches: FakeBatches, events: FakeEvents, transactions: FakeTransactions
    ) -> None:
        self.batches, self.events, self.transactions = batches, events, transactions
        events.transactions = transactions

    async def snapshot(self, public_code: str) -> BatchSnapshot | None:
        batch = await self.batches.by_public_code(public_code)
        if batch is None or not batch.is_public:
            return None
        parent = self.batches.rows.get(batch.parent_id) if batch.parent_id else None
        chain = await self.events.chain(batch.id)
        records = list(await self.transactions.oldest_first(batch.id, 1000))
        # As row versions: anything stored differently, another version.
        version = hashlib.md5(repr((batch, parent, chain, records)).encode()).hexdigest()  # noqa: S324
        return BatchSnapshot(
            batch,
            parent.public_code if parent and parent.is_public else None,
            chain,
            records,
            self.events.kept_verdict(batch.id),
            version,
        )

    async def version(self, public_code: str) -> str | None:
        found = await self.snapshot(public_code)
        return None if found is None else found.version


class FakeAuditQuota:
    def __init__(self, per_minute: int = 30) -> None:
        self.per_minute = per_minute
        self.counts: dict[str, int] = {}

    async def allow(self, client: str) -> bool:
        self.counts[client] = self.counts.get(client, 0) + 1
        return self.counts[client] <= self.per_minute


@dataclass(frozen=True)
class GuardCheck:
    bucket: str
    per_minute: int
    token_id: str | None
    session_id: str | None


class FakeGuard:
    """RedisGuard without its clock: each bucket allows `per_minute` checks and refuses the rest
    (no allowance comes back), or refuses all once `exhaust`ed; a token is revoked as the
    script decides, by its id, its session and the epoch in the FakeRevocations; a person's
    role is the FakeRoleCache's; `down` makes Redis unreachable."""

    def __init__(self, revocations: FakeRevocations, roles: FakeRoleCache | None = None) -> None:
        self.revocations = revocations
        self.roles = roles or FakeRoleCache()
        self.checks: list[GuardCheck] = []
        self.exhausted: dict[str, int] = {}
        self.spent: dict[str, int] = {}
        self.down = False

    def exhaust(self, bucket: str, retry_after_seconds: int = 7) -> None:
        self.exhausted[bucket] = retry_after_seconds

    async def check(
        self,
        bucket: str,
        per_minute: int,
        token_id: str | None = None,
        session_id: str | None = None,
        issued_at: int = 0,
        epoch: str | None = None,
        membership: tuple[UUID, UUID] | None = None,
    ) -> Verdict:
        if self.down:
            raise RedisConnectionError("Connection refused")
        self.checks.append(GuardCheck(bucket, per_minute, token_id, session_id))
        denied, revoked, role = self.revocations, False, None
        if token_id and session_id:
            role = self.roles.role(membership, epoch) if membership else None
            if epoch:
                revoked = epoch != denied.epoch
            else:
                revoked = issued_at + CLOCK_SKEW_SECONDS < float(denied.epoch)
            revoked = revoked or token_id in denied.tokens or session_id in denied.sessions
        retry_after = self.exhausted.get(bucket)
        if retry_after is not None:
            return Verdict(False, per_minute, 0, retry_after, retry_after, revoked, role)
        spent = self.spent.get(bucket, 0)
        if spent >= per_minute:
            return Verdict(False, per_minute, 0, 60, -(-60 // per_minute), revoked, role)
        self.spent[bucket] = spent + 1
        reset = -(-60 * (spent + 1) // per_minute)
        return Verdict(True, per_minute, per_minute - spent - 1, reset, 0, revoked, role)


class FakeIdempotency:
    def __init__(self) -> None:
        self.entries: dict[str, Claim] = {}

    async def claim(self, key: str, fingerprint: str) -> Claim:
        held = self.entries.get(key)
        if held is None:
            self.entries[key] = Claim(acquired=False, fingerprint=fingerprint)
            return Claim(acquired=True)
        return held

    async def store(self, key: str, response: StoredResponse) -> None:
        self.entries[key] = Claim(False, response, response.fingerprint)

    async def release(self, key: str) -> None:
        self.entries.pop(key, None)


class FakeProbe:
    def __init__(self) -> None:
        self.failing = False

    async def ping(self) -> None:
        if self.failing:
            raise RedisConnectionError("Connection refused")
