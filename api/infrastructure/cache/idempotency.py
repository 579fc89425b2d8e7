"""Idempotency keys in Redis: the first request with a key runs, and its response is kept so
that a retry with the same key gets the same answer instead of doing the work twice."""

from dataclasses import dataclass

import orjson
from redis.asyncio import Redis

from api.infrastructure.metrics import timed

PENDING = b"pending"


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key: ours to run, still running elsewhere, or done."""

    acquired: bool
    stored: StoredResponse | None = None
    fingerprint: str | None = None


class RedisIdempotency:
    def __init__(self, client: Redis, ttl_seconds: int, pending_seconds: int = 60) -> None:
        self._client = client
        self._ttl = ttl_seconds
        # A request that died without finishing frees its key after this long.
        self._pending_ttl = pending_seconds

    @timed("redis", "idempotency.claim")
    async def claim(self, key: str, fingerprint: str) -> Claim:
        marker = orjson.dumps({"state": "pending", "fingerprint": fingerprint})
        if await self._client.set(_name(key), marker, nx=True, ex=self._pending_ttl):
            return Claim(acquired=True)
        raw = await self._client.get(_name(key))
        if raw is None:  # expired between the two calls: treat as still running
            return Claim(acquired=False, fingerprint=fingerprint)
        saved = orjson.loads(raw)
        if saved["state"] == "pending":
            return Claim(acquired=False, fingerprint=saved["fingerprint"])
        stored = StoredResponse(
            saved["fingerprint"], saved["status"], saved["body"].encode(), saved["headers"]
        )
        return Claim(acquired=False, stored=stored, fingerprint=saved["fingerprint"])

    @timed("redis", "idempotency.store")
    async def store(self, key: str, response: StoredResponse) -> None:
        value = orjson.dumps(
            {
                "state": "done",
                "fingerprint": response.fingerprint,
                "status": response.status,
                "body": response.body.decode(),
                "headers": response.headers,
            }
        )
        await self._client.set(_name(key), value, ex=self._ttl)

    @timed("redis", "idempotency.release")
    async def release(self, key: str) -> None:
        await self._client.delete(_name(key))


def _name(key: str) -> str:
    return f"idem:{key}"
