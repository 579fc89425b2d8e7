"""What the app keeps on `app.ctx`: settings from the factory, services from start-up."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sanic import Request, Sanic
from sanic.config import Config

from api.application.accounts import Accounts
from api.application.audit import AuditTrail
from api.application.auth import Auth
from api.application.batches import Batches
from api.application.events import History
from api.application.lineage import Lots
from api.application.ports import DependencyProbe, TokenIssuer
from api.application.public import PublicRecords
from api.application.transactions import Transactions
from api.infrastructure.cache.guard import RedisGuard
from api.infrastructure.cache.idempotency import RedisIdempotency
from api.settings import Settings


@dataclass(frozen=True)
class Services:
    auth: Auth
    accounts: Accounts
    batches: Batches
    transactions: Transactions
    history: History
    lots: Lots
    public: PublicRecords
    audit_trail: AuditTrail
    tokens: TokenIssuer
    guard: RedisGuard
    idempotency: RedisIdempotency
    jwks: dict[str, Any]
    probes: dict[str, DependencyProbe]
    redis: Redis


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
