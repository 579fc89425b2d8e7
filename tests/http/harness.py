"""The app as the factory makes it, with the real use cases over in-memory fakes, driven through
its ASGI entry point: routes, guard, error mapping and middleware without a server or sockets."""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.application.accounts import Accounts
from api.application.audit import AuditTrail
from api.application.auth import Auth, SessionPolicy
from api.application.batches import Batches
from api.application.client_tokens import ClientTokens
from api.application.clients import Clients
from api.application.epcis import EpcisDocuments, Freezer
from api.application.events import History
from api.application.lineage import Lots
from api.application.locations import Locations
from api.application.organisations import Organisations
from api.application.public import PublicRecords
from api.application.transactions import Transactions
from api.domain.passwords import PasswordPolicy
from api.domain.users import Role, User
from api.infrastructure.security.client_assertions import Rfc7523Assertions
from api.infrastructure.security.hash_queue import BoundedHashQueue
from api.infrastructure.security.sealing import AesGcmSealer
from api.infrastructure.security.tokens import JwtTokens
from api.presentation.context import App, Services
from api.settings import Settings
from tests.support.fakes import (
    FakeApiClients,
    FakeAuditLog,
    FakeAuditQuota,
    FakeBatches,
    FakeClock,
    FakeEpcisEvents,
    FakeEvents,
    FakeGuard,
    FakeHasher,
    FakeIdempotency,
    FakeInvitations,
    FakeLineage,
    FakeLocations,
    FakeMailer,
    FakeOrganisations,
    FakeProbe,
    FakePublicReads,
    FakeRefreshTokens,
    FakeReplayGuard,
    FakeRevocations,
    FakeThrottle,
    FakeTransactions,
    FakeUsers,
    NullUnitOfWork,
    shared_key,
)

PASSWORD = "correct horse battery staple"
CLIENT_IP = "203.0.113.9"
ISSUER, AUDIENCE = "agrobridge", "agrobridge-api"


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        # Never connected to: the services are fakes.
        "database_url": "postgres://agrobridge:unused@127.0.0.1:1/agrobridge",
        "redis_url": "redis://127.0.0.1:1/0",
        "jwt_private_key_file": Path("unused.pem"),
        "env": "test",
        "log_stdout": False,
        "public_base_url": "https://trace.example",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Fakes:
    """Every port behind the services, for tests to arrange and inspect."""

    clock: FakeClock = field(default_factory=lambda: FakeClock(datetime.now(UTC)))
    users: FakeUsers = field(default_factory=FakeUsers)
    batches: FakeBatches = field(default_factory=FakeBatches)
    locations: FakeLocations = field(default_factory=FakeLocations)
    transactions: FakeTransactions = field(default_factory=FakeTransactions)
    events: FakeEvents = field(default_factory=FakeEvents)
    epcis: FakeEpcisEvents = field(default_factory=FakeEpcisEvents)
    refresh_tokens: FakeRefreshTokens = field(default_factory=FakeRefreshTokens)
    audit: FakeAuditLog = field(default_factory=FakeAuditLog)
    revocations: FakeRevocations = field(default_factory=FakeRevocations)
    throttle: FakeThrottle = field(default_factory=lambda: FakeThrottle(limit=5, lockout=60))
    hasher: FakeHasher = field(default_factory=FakeHasher)
    idempotency: FakeIdempotency = field(default_factory=FakeIdempotency)
    quota: FakeAuditQuota = field(default_factory=FakeAuditQuota)
    postgres: FakeProbe = field(default_factory=FakeProbe)
    redis: FakeProbe = field(default_factory=FakeProbe)
    tokens: JwtTokens = field(
        default_factory=lambda: JwtTokens(shared_key().ring(), ISSUER, AUDIENCE, 900)
    )

    def __post_init__(self) -> None:
        self.guard = FakeGuard(self.revocations)
        self.organisations = FakeOrganisations(self.users)
        self.invitations = FakeInvitations()
        self.mailer = FakeMailer()
        self.clients = FakeApiClients()
        self.replays = FakeReplayGuard()

    def services(self) -> Services:
        unit_of_work, clock, audit = NullUnitOfWork(), self.clock, self.audit
        auth = Auth(
            users=self.users,
            refresh_tokens=self.refresh_tokens,
            hasher=self.hasher,
            tokens=self.tokens,
            throttle=self.throttle,
            revocations=self.revocations,
            audit=audit,
            unit_of_work=unit_of_work,
            clock=clock,
            sessions_policy=SessionPolicy(
                idle=timedelta(days=7),
                absolute=timedelta(days=30),
                access_ttl=timedelta(minutes=15),
                reuse_grace=timedelta(seconds=10),
            ),
            passwords=PasswordPolicy(common=frozenset({"password123"})),
            sealer=AesGcmSealer(),
            hash_queue=BoundedHashQueue(slots=1, max_waiting=8, per_client=2),
            dummy_hash="hashed:dummy-never-matches",
            organisations=self.organisations,
        )
        accounts = Accounts(
            users=self.users,
            refresh_tokens=self.refresh_tokens,
            revocations=self.revocations,
            audit=audit,
            unit_of_work=unit_of_work,
            clock=clock,
            access_ttl=timedelta(minutes=15),
        )
        batches, events, records = self.batches, self.events, self.transactions
        freezer = Freezer(self.epcis, self.organisations, self.locations)
        lineage = FakeLineage(batches)
        return Services(
            auth=auth,
            accounts=accounts,
            batches=Batches(
                batches,
                audit,
                unit_of_work,
                clock,
                events,
                self.users,
                self.organisations,
                self.locations,
                freezer,
            ),
            organisations=Organisations(
                self.organisations,
                self.invitations,
                self.users,
                audit,
                unit_of_work,
                clock,
                self.mailer,
            ),
            locations=Locations(self.locations, self.organisations, audit, unit_of_work, clock),
            clients=Clients(
                self.clients,
                self.organisations,
                Rfc7523Assertions(),
                self.revocations,
                audit,
                unit_of_work,
                clock,
                access_ttl=timedelta(minutes=15),
            ),
            client_tokens=ClientTokens(
                self.clients,
                self.organisations,
                self.tokens,
                Rfc7523Assertions(),
                self.replays,
                self.revocations,
                audit,
                self.quota,
                clock,
            ),
            transactions=Transactions(records, batches, audit, unit_of_work, clock, events),
            history=History(batches, events, records),
            lots=Lots(batches, lineage, events, audit, unit_of_work, clock, freezer),
            epcis=EpcisDocuments(batches, lineage, self.epcis, clock),
            public=PublicRecords(batches, FakePublicReads(batches, events, records)),
            audit_trail=AuditTrail(audit, self.quota, clock),
            tokens=self.tokens,
            guard=self.guard,
            idempotency=self.idempotency,
            jwks=shared_key().ring().jwks(),
            probes={"postgres": self.postgres, "redis": self.redis},
        )

    async def user(self, role: Role = Role.PRODUCER, email: str | None = None) -> User:
        email = email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.com"
        password_hash = await self.hasher.hash(PASSWORD)
        return await self.users.add(email, "Test User", role, password_hash, self.clock.now())

    def token(self, user: User) -> str:
        """An access token of a fresh session, as login would give."""
        token, _ = self.tokens.issue(user, uuid.uuid4(), datetime.now(UTC))
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Lifespan:
    """ASGI start-up and shutdown: the app's before/after server hooks, as a server runs them."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self._say("startup")

    async def stop(self) -> None:
        await self._say("shutdown")
        if self.task is not None:
            await asyncio.wait_for(self.task, 5)

    async def _say(self, event: str) -> None:
        await self.inbox.put({"type": f"lifespan.{event}"})
        reply = await asyncio.wait_for(self.outbox.get(), 30)
        if reply["type"] != f"lifespan.{event}.complete":
            raise RuntimeError(f"lifespan {event} failed: {reply.get('message')}")


def client(app: App, ip: str = CLIENT_IP) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")
