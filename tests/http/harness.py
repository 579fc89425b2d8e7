"""The app as the factory makes it, with the real use cases over in-memory fakes, driven through
its ASGI entry point: routes, guard, error mapping and middleware without a server or sockets."""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api.composition import Adapters, compose
from api.domain.passwords import PasswordPolicy
from api.domain.users import Role, User
from api.infrastructure.cache.login_throttle import ThrottlePolicy
from api.infrastructure.epcis_schema import load_schema
from api.infrastructure.security.client_assertions import Rfc7523Assertions
from api.infrastructure.security.hash_queue import BoundedHashQueue
from api.infrastructure.security.sealing import AesGcmSealer
from api.infrastructure.security.tokens import JwtTokens
from api.presentation.context import App, Services
from api.settings import Settings
from tests.support.fake_webhooks import FakeOutbox, FakeWebhooks
from tests.support.fakes import (
    FakeApiClients,
    FakeAuditLog,
    FakeAuditQuota,
    FakeBatches,
    FakeCaptures,
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
    FakeRecordedEvents,
    FakeRefreshTokens,
    FakeReplayGuard,
    FakeRevocations,
    FakeRoleCache,
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
    epcis: FakeEpcisEvents = field(init=False)
    captures: FakeCaptures = field(default_factory=FakeCaptures)
    refresh_tokens: FakeRefreshTokens = field(default_factory=FakeRefreshTokens)
    audit: FakeAuditLog = field(default_factory=FakeAuditLog)
    revocations: FakeRevocations = field(default_factory=FakeRevocations)
    roles: FakeRoleCache = field(default_factory=FakeRoleCache)
    throttle: FakeThrottle = field(
        default_factory=lambda: FakeThrottle(ThrottlePolicy(5, 60, 50, 900))
    )
    hasher: FakeHasher = field(default_factory=FakeHasher)
    idempotency: FakeIdempotency = field(default_factory=FakeIdempotency)
    quota: FakeAuditQuota = field(default_factory=FakeAuditQuota)
    postgres: FakeProbe = field(default_factory=FakeProbe)
    redis: FakeProbe = field(default_factory=FakeProbe)
    tokens: JwtTokens = field(
        default_factory=lambda: JwtTokens(shared_key().ring(), ISSUER, AUDIENCE, 900)
    )

    def __post_init__(self) -> None:
        self.epcis = FakeEpcisEvents(self.batches)
        self.guard = FakeGuard(self.revocations, self.roles)
        self.organisations = FakeOrganisations(self.users)
        self.invitations = FakeInvitations()
        self.mailer = FakeMailer()
        self.clients = FakeApiClients()
        self.replays = FakeReplayGuard()
        self.webhooks = FakeWebhooks()
        self.outbox = FakeOutbox(self.webhooks)

    def services(self, with_settings: Settings | None = None) -> Services:
        """The services exactly as a worker wires them (api/composition.py), over the fakes."""
        adapters = Adapters(
            users=self.users,
            refresh_tokens=self.refresh_tokens,
            organisations=self.organisations,
            invitations=self.invitations,
            locations=self.locations,
            batches=self.batches,
            events=self.events,
            transactions=self.transactions,
            lineage=FakeLineage(self.batches),
            public_reads=FakePublicReads(self.batches, self.events, self.transactions),
            epcis_events=self.epcis,
            epcis_captures=self.captures,
            epcis_schema=load_schema(),
            recorded_events=FakeRecordedEvents(self.batches, self.events),
            api_clients=self.clients,
            outbox=self.outbox,
            webhooks=self.webhooks,
            audit=self.audit,
            audit_quota=self.quota,
            unit_of_work=NullUnitOfWork(),
            clock=self.clock,
            hasher=self.hasher,
            dummy_hash="hashed:dummy-never-matches",
            passwords=PasswordPolicy(common=frozenset({"password123"})),
            hash_queue=BoundedHashQueue(slots=1, max_waiting=8, per_client=2),
            sealer=AesGcmSealer(),
            tokens=self.tokens,
            throttle=self.throttle,
            revocations=self.revocations,
            roles=self.roles,
            mailer=self.mailer,
            assertions=Rfc7523Assertions(),
            replays=self.replays,
            guard=self.guard,
            idempotency=self.idempotency,
            jwks=shared_key().ring().jwks(),
            probes={"postgres": self.postgres, "redis": self.redis},
        )
        return compose(with_settings or settings(), adapters)

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
