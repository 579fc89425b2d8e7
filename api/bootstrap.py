"""A worker's start-up: the real adapters from settings, wired by api/composition.py."""

import secrets
from functools import partial

from redis.asyncio import Redis
from tortoise import Tortoise

from api.application.registration import Registration
from api.composition import Adapters, compose
from api.domain.emails import load_confusables
from api.domain.passwords import PasswordPolicy
from api.infrastructure.cache.audit_quota import RedisAuditQuota
from api.infrastructure.cache.guard import RedisGuard, RedisRevocations
from api.infrastructure.cache.idempotency import RedisIdempotency
from api.infrastructure.cache.login_throttle import RedisLoginThrottle, ThrottlePolicy
from api.infrastructure.cache.redis import RedisProbe, connect
from api.infrastructure.cache.replays import RedisReplayGuard
from api.infrastructure.cache.roles import RedisRoleCache
from api.infrastructure.clock import SystemClock
from api.infrastructure.db.audit import PgAuditLog
from api.infrastructure.db.batches import PgBatches
from api.infrastructure.db.captures import PgCaptures
from api.infrastructure.db.clients import PgApiClients
from api.infrastructure.db.config import Limits, tortoise_config
from api.infrastructure.db.epcis import PgEpcisEvents
from api.infrastructure.db.events import PgEvents
from api.infrastructure.db.fsma import PgRecordedEvents
from api.infrastructure.db.invitations import PgInvitations
from api.infrastructure.db.lineage import PgLineage
from api.infrastructure.db.locations import PgLocations
from api.infrastructure.db.organisations import PgOrganisations
from api.infrastructure.db.probe import PostgresProbe
from api.infrastructure.db.public import PgPublicReads
from api.infrastructure.db.refresh_tokens import PgRefreshTokens
from api.infrastructure.db.transactions import PgTransactions
from api.infrastructure.db.unit_of_work import PgUnitOfWork
from api.infrastructure.db.users import PgUsers
from api.infrastructure.db.webhooks import PgOutbox, PgWebhooks
from api.infrastructure.epcis_schema import load_schema
from api.infrastructure.mail import mailer_from
from api.infrastructure.security.client_assertions import Rfc7523Assertions
from api.infrastructure.security.common_passwords import CommonPasswords
from api.infrastructure.security.hash_queue import BoundedHashQueue
from api.infrastructure.security.keys import load_key_ring
from api.infrastructure.security.passwords import Argon2Hasher
from api.infrastructure.security.sealing import AesGcmSealer
from api.infrastructure.security.tokens import JwtTokens
from api.presentation.context import Services
from api.settings import DatabaseSettings, Settings

# Per worker: each hash holds 19 MiB, and more threads than cores buys nothing.
HASHING_THREADS = 1


async def build_services(settings: Settings) -> Services:
    # Connections open lazily: a worker starts even while PostgreSQL or Redis is down,
    # answers 503 meanwhile, and recovers by itself when they return.
    limits = Limits(
        acquire=settings.db_acquire_timeout_seconds,
        statement=settings.db_statement_timeout_seconds,
        lock=settings.db_lock_timeout_seconds,
    )
    await Tortoise.init(
        config=tortoise_config(
            settings.database_url.get_secret_value(),
            settings.db_pool_min,
            settings.db_pool_max,
            limits,
            pooled=settings.pooled,
        ),
        _enable_global_fallback=True,
    )
    redis = connect(settings.redis_url.get_secret_value())
    keys = load_key_ring(settings.jwt_private_key_file, settings.jwt_verify_key_files)
    tokens = JwtTokens(
        keys, settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
    )
    unit_of_work = PgUnitOfWork(
        settings.db_pool_max, settings.db_pool_reserved_for_reads, limits.acquire
    )
    hasher = Argon2Hasher(threads=HASHING_THREADS)
    common_passwords = CommonPasswords()
    len(common_passwords)  # read the list now, not during the first registration
    load_confusables()  # likewise the data look-alike emails are found with
    throttle = RedisLoginThrottle(
        redis,
        ThrottlePolicy(
            failures_before_lockout=settings.login_failures_before_lockout,
            lockout_max_seconds=settings.login_lockout_max_seconds,
            failures_per_ip=settings.login_failures_per_ip,
            window_seconds=settings.login_failure_window_seconds,
        ),
    )
    audit_quota = RedisAuditQuota(redis, settings.audit_denials_per_minute)
    adapters = Adapters(
        users=PgUsers(),
        refresh_tokens=PgRefreshTokens(),
        organisations=PgOrganisations(),
        invitations=PgInvitations(),
        locations=PgLocations(),
        batches=PgBatches(),
        events=PgEvents(),
        transactions=PgTransactions(),
        lineage=PgLineage(),
        public_reads=PgPublicReads(),
        epcis_events=PgEpcisEvents(),
        epcis_captures=PgCaptures(),
        epcis_schema=load_schema(),
        recorded_events=PgRecordedEvents(),
        api_clients=PgApiClients(),
        outbox=PgOutbox(),
        webhooks=PgWebhooks(),
        audit=PgAuditLog(),
        audit_quota=audit_quota,
        unit_of_work=unit_of_work,
        clock=SystemClock(),
        hasher=hasher,
        dummy_hash=await hasher.hash(secrets.token_urlsafe(16)),
        passwords=PasswordPolicy(common_passwords),
        hash_queue=BoundedHashQueue(
            slots=HASHING_THREADS,
            max_waiting=settings.hash_queue_per_worker,
            per_client=settings.hash_queue_per_address,
        ),
        sealer=AesGcmSealer(),
        tokens=tokens,
        throttle=throttle,
        revocations=RedisRevocations(redis),
        roles=RedisRoleCache(redis),
        mailer=mailer_from(settings),
        assertions=Rfc7523Assertions(),
        replays=RedisReplayGuard(redis),
        guard=RedisGuard(redis),
        idempotency=RedisIdempotency(redis, settings.idempotency_ttl_seconds),
        jwks=keys.jwks(),
        probes={"postgres": PostgresProbe(), "redis": RedisProbe(redis)},
        close=partial(_close, redis),
    )
    return compose(settings, adapters)


async def build_registration(settings: DatabaseSettings) -> Registration:
    """What `python -m api create-user` needs: the database and the registration use case,
    with the API's password rules and hasher; no Redis, no signing key."""
    url = settings.database_url.get_secret_value()
    await Tortoise.init(config=tortoise_config(url, 1, 1, pooled=settings.pooled))
    return Registration(
        users=PgUsers(),
        hasher=Argon2Hasher(threads=HASHING_THREADS),
        passwords=PasswordPolicy(CommonPasswords()),
        hash_queue=BoundedHashQueue(slots=1, max_waiting=1, per_client=1),
        audit=PgAuditLog(),
        unit_of_work=PgUnitOfWork(1, 0, settings.db_acquire_timeout_seconds),
        clock=SystemClock(),
        organisations=PgOrganisations(),
    )


async def _close(redis: Redis) -> None:
    await redis.aclose()
    await Tortoise.close_connections()


async def close_registration() -> None:
    await Tortoise.close_connections()
