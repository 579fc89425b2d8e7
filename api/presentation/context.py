"""What the app keeps on `app.ctx`: settings from the factory, services from start-up (the
composition root's, api/bootstrap.py, unless the factory was handed others)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from sanic import Request, Sanic
from sanic.config import Config

from api.application.accounts import Accounts
from api.application.audit import AuditTrail
from api.application.auth import Auth
from api.application.batches import Batches
from api.application.capture import Captures
from api.application.client_tokens import ClientTokens
from api.application.clients import Clients
from api.application.epcis import EpcisDocuments
from api.application.epcis_query import EpcisQueries
from api.application.events import History
from api.application.fsma import FsmaRecords
from api.application.lineage import Lots
from api.application.locations import Locations
from api.application.organisations import Organisations
from api.application.ports import DependencyProbe, TokenIssuer
from api.application.public import PublicRecords
from api.application.transactions import Transactions
from api.application.webhooks import Webhooks
from api.infrastructure.cache.guard import Verdict
from api.infrastructure.cache.idempotency import Claim, StoredResponse
from api.settings import Settings


class Guard(Protocol):
    """The per-request check: the caller's rate bucket and, with a token, its revocation and
    (for a person, given their membership: organisation, person) their role there if kept."""

    async def check(
        self,
        bucket: str,
        per_minute: int,
        token_id: str | None = None,
        session_id: str | None = None,
        issued_at: int = 0,
        epoch: str | None = None,
        membership: tuple[UUID, UUID] | None = None,
    ) -> Verdict: ...


class IdempotencyStore(Protocol):
    async def claim(self, key: str, fingerprint: str) -> Claim: ...

    async def store(self, key: str, response: StoredResponse) -> None: ...

    async def release(self, key: str) -> None: ...


async def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class Services:
    auth: Auth
    accounts: Accounts
    batches: Batches
    transactions: Transactions
    history: History
    lots: Lots
    epcis: EpcisDocuments
    epcis_queries: EpcisQueries
    captures: Captures
    fsma: FsmaRecords
    organisations: Organisations
    locations: Locations
    clients: Clients
    client_tokens: ClientTokens
    public: PublicRecords
    audit_trail: AuditTrail
    webhooks: Webhooks
    tokens: TokenIssuer
    guard: Guard
    idempotency: IdempotencyStore
    jwks: dict[str, Any]
    probes: dict[str, DependencyProbe]
    # Releases the connections behind the services when the worker stops.
    close: Callable[[], Awaitable[None]] = _nothing_to_close


@dataclass
class AppContext:
    settings: Settings
    services: Services | None = field(default=None)
    # Set when the worker begins to stop: answers then close their connections.
    draining: bool = False
    writes_in_flight: set[asyncio.Future[Any]] = field(default_factory=set)

    @property
    def metrics_dir(self) -> Path | None:
        return self.settings.metrics_dir


App = Sanic[Config, AppContext]


def services(request: Request) -> Services:
    ctx = request.app.ctx
    assert isinstance(ctx, AppContext)
    if ctx.services is None:
        raise RuntimeError("services are wired in before_server_start")
    return ctx.services
