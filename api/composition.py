"""The one place the use cases are put together, from settings and adapters. A worker's start-up
(api/bootstrap.py) hands it the real adapters; the HTTP tests (tests/http/harness.py) hand it
in-memory fakes, so both run exactly this wiring."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from api.application.accounts import Accounts
from api.application.audit import AuditTrail
from api.application.auth import Auth, SessionPolicy
from api.application.batches import Batches
from api.application.capture import Captures
from api.application.client_tokens import ClientTokens
from api.application.clients import Clients
from api.application.epcis import EpcisDocuments, Freezer
from api.application.epcis_query import EpcisQueries
from api.application.events import History
from api.application.fsma import FsmaRecords
from api.application.lineage import Lots
from api.application.locations import Locations
from api.application.organisations import Organisations
from api.application.ports import (
    ApiClientRepository,
    AuditLog,
    AuditQuota,
    BatchRepository,
    CaptureRepository,
    ClientAssertions,
    Clock,
    DependencyProbe,
    EpcisRepository,
    EventRepository,
    HashQueue,
    InvitationRepository,
    LineageRepository,
    LocationRepository,
    LoginThrottle,
    Mailer,
    OrganisationRepository,
    Outbox,
    PasswordHasher,
    PublicReadRepository,
    RecordedEventRepository,
    RefreshTokenRepository,
    ReplayGuard,
    Revocations,
    RoleCache,
    Sealer,
    TokenIssuer,
    TransactionRepository,
    UnitOfWork,
    UserRepository,
    WebhookRepository,
)
from api.application.public import PublicRecords
from api.application.transactions import Transactions
from api.application.webhooks import Webhooks
from api.domain.passwords import PasswordPolicy
from api.infrastructure.exports.formats import FORMATS as EXPORT_FORMATS
from api.presentation.context import Guard, IdempotencyStore, Services
from api.settings import Settings


async def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class Adapters:
    """What the use cases stand on: stores, caches, keys and the outside world."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    organisations: OrganisationRepository
    invitations: InvitationRepository
    locations: LocationRepository
    batches: BatchRepository
    events: EventRepository
    transactions: TransactionRepository
    lineage: LineageRepository
    public_reads: PublicReadRepository
    recorded_events: RecordedEventRepository
    epcis_events: EpcisRepository
    epcis_captures: CaptureRepository
    # GS1's EPCIS 2.0 JSON Schema, that captured documents are checked against.
    epcis_schema: Mapping[str, Any]
    api_clients: ApiClientRepository
    # Webhooks: the outbox the use cases write in their transactions, and the subscriptions.
    outbox: Outbox
    webhooks: WebhookRepository
    audit: AuditLog
    audit_quota: AuditQuota
    unit_of_work: UnitOfWork
    clock: Clock
    hasher: PasswordHasher
    # Verified against when a login's email is unknown, so that both paths take as long.
    dummy_hash: str
    passwords: PasswordPolicy
    hash_queue: HashQueue
    sealer: Sealer
    tokens: TokenIssuer
    throttle: LoginThrottle
    revocations: Revocations
    # People's roles in their organisations, read in the guard's round trip when kept.
    roles: RoleCache
    mailer: Mailer
    assertions: ClientAssertions
    replays: ReplayGuard
    guard: Guard
    idempotency: IdempotencyStore
    jwks: dict[str, Any]
    probes: dict[str, DependencyProbe]
    # Releases the connections behind the adapters when the worker stops.
    close: Callable[[], Awaitable[None]] = _nothing_to_close


def compose(settings: Settings, a: Adapters) -> Services:
    access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)
    auth = Auth(
        users=a.users,
        refresh_tokens=a.refresh_tokens,
        hasher=a.hasher,
        tokens=a.tokens,
        throttle=a.throttle,
        revocations=a.revocations,
        audit=a.audit,
        unit_of_work=a.unit_of_work,
        clock=a.clock,
        sessions_policy=SessionPolicy(
            idle=timedelta(seconds=settings.refresh_idle_ttl_seconds),
            absolute=timedelta(seconds=settings.session_max_ttl_seconds),
            access_ttl=access_ttl,
            reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_seconds),
        ),
        passwords=a.passwords,
        sealer=a.sealer,
        hash_queue=a.hash_queue,
        dummy_hash=a.dummy_hash,
        organisations=a.organisations,
    )
    accounts = Accounts(
        users=a.users,
        refresh_tokens=a.refresh_tokens,
        revocations=a.revocations,
        audit=a.audit,
        unit_of_work=a.unit_of_work,
        clock=a.clock,
        access_ttl=access_ttl,
    )
    uow, clock, audit = a.unit_of_work, a.clock, a.audit
    freezer = Freezer(a.epcis_events, a.organisations, a.locations)
    batches = Batches(
        a.batches,
        audit,
        uow,
        clock,
        a.events,
        a.users,
        a.organisations,
        a.locations,
        freezer,
        a.outbox,
    )
    return Services(
        auth=auth,
        accounts=accounts,
        batches=batches,
        organisations=Organisations(
            a.organisations, a.invitations, a.users, audit, uow, clock, a.mailer, a.roles
        ),
        locations=Locations(a.locations, a.organisations, audit, uow, clock),
        clients=Clients(
            a.api_clients,
            a.organisations,
            a.assertions,
            a.revocations,
            audit,
            uow,
            clock,
            access_ttl=access_ttl,
        ),
        client_tokens=ClientTokens(
            a.api_clients,
            a.organisations,
            a.tokens,
            a.assertions,
            a.replays,
            a.revocations,
            audit,
            a.audit_quota,
            clock,
        ),
        transactions=Transactions(a.transactions, a.batches, audit, uow, clock, a.events, a.outbox),
        history=History(a.batches, a.events, a.transactions),
        lots=Lots(a.batches, a.lineage, a.events, audit, uow, clock, freezer, a.outbox),
        epcis=EpcisDocuments(a.batches, a.lineage, a.epcis_events, clock),
        epcis_queries=EpcisQueries(a.epcis_events, a.batches, clock),
        captures=Captures(
            a.batches,
            batches,
            a.epcis_events,
            a.epcis_captures,
            audit,
            uow,
            clock,
            a.epcis_schema,
            a.outbox,
        ),
        fsma=FsmaRecords(
            a.recorded_events, a.batches, a.locations, a.organisations, EXPORT_FORMATS
        ),
        public=PublicRecords(a.batches, a.public_reads),
        audit_trail=AuditTrail(audit, a.audit_quota, clock),
        webhooks=Webhooks(
            a.webhooks,
            a.organisations,
            audit,
            uow,
            clock,
            allow_private=settings.webhook_allow_private_targets,
            rotation_overlap=timedelta(seconds=settings.webhook_rotation_overlap_seconds),
        ),
        tokens=a.tokens,
        guard=a.guard,
        idempotency=a.idempotency,
        jwks=a.jwks,
        probes=a.probes,
        close=a.close,
    )
