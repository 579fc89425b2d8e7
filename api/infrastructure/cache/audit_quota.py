"""A fixed one-minute window per client on the refusal rows it may cause in the audit trail."""

from redis.asyncio import Redis

from api.infrastructure.metrics import timed


class RedisAuditQuota:
    def __init__(self, client: Redis, per_minute: int) -> None:
        self._client = client
        self._per_minute = per_minute

    @timed("redis", "audit_quota.allow")
    async def allow(self, client: str) -> bool:
        key = f"auditq:{client}"
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 60, nx=True)
            count, _ = await pipe.execute()
        return int(count) <= self._per_minute
