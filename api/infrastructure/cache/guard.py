"""Per-request checks in one Redis round trip: GCRA rate limit plus the token deny-list."""

from dataclasses import dataclass

from redis.asyncio import Redis

from api.infrastructure.metrics import timed

# KEYS[1]: the caller's rate bucket; KEYS[2], KEYS[3], KEYS[4] (optional): deny-list entries
# for the token id and the session id, and the deny-list's epoch. ARGV: emission interval and
# burst tolerance, in microseconds; the token's issue time in seconds. Replies are in
# milliseconds. Time comes from Redis so that every worker agrees on it.
#
# The epoch is when the deny-list became complete. Every token issue sets it if missing, so it
# is only missing here when Redis lost its data (a restart without persistence): revocations
# may have been lost with it, so tokens issued before now are refused (clients refresh).
GUARD_LUA = """
local revoked = 0
local t = redis.call('TIME')
if #KEYS > 1 then
  revoked = redis.call('EXISTS', KEYS[2], KEYS[3])
  local epoch = redis.call('GET', KEYS[4])
  if not epoch then
    epoch = t[1]
    redis.call('SET', KEYS[4], epoch)
  end
  if tonumber(ARGV[3]) + tonumber(ARGV[4]) < tonumber(epoch) then revoked = 1 end
end
local now = t[1] * 1000000 + t[2]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, 0, math.ceil((tat - now) / 1000), math.ceil((allow_at - now) / 1000), revoked}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', ttl_ms)
local remaining = math.floor((now - allow_at) / interval)
return {1, remaining, ttl_ms, 0, revoked}
"""


EPOCH_KEY = "deny:epoch"
# Tolerated difference between the API hosts' clocks (token iat) and Redis's clock (epoch).
CLOCK_SKEW_SECONDS = 2
OPEN_EPOCH_LUA = "return redis.call('SET', KEYS[1], redis.call('TIME')[1], 'NX')"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int
    revoked: bool


def _ceil_seconds(ms: int) -> int:
    return max(0, -(-int(ms) // 1000))


class RedisGuard:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._script = client.register_script(GUARD_LUA)

    @timed("redis", "guard.check")
    async def check(
        self,
        bucket: str,
        per_minute: int,
        token_id: str | None = None,
        session_id: str | None = None,
        issued_at: int = 0,
    ) -> Verdict:
        keys = [f"rl:{bucket}"]
        if token_id and session_id:
            keys += [f"deny:jti:{token_id}", f"deny:sid:{session_id}", EPOCH_KEY]
        interval_us = max(1, 60_000_000 // per_minute)
        allowed, remaining, reset_ms, retry_ms, revoked = await self._script(
            keys=keys, args=[interval_us, interval_us * per_minute, issued_at, CLOCK_SKEW_SECONDS]
        )
        return Verdict(
            allowed=bool(allowed),
            limit=per_minute,
            remaining=int(remaining),
            reset_seconds=_ceil_seconds(reset_ms),
            retry_after_seconds=_ceil_seconds(retry_ms),
            revoked=bool(revoked),
        )


class RedisRevocations:
    """The deny-list: entries live as long as the access tokens they stop."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._open_epoch = client.register_script(OPEN_EPOCH_LUA)

    @timed("redis", "guard.open_epoch")
    async def open_epoch(self) -> None:
        await self._open_epoch(keys=[EPOCH_KEY])

    @timed("redis", "guard.revoke_token")
    async def revoke_token(self, token_id: str, ttl_seconds: int) -> None:
        await self._client.set(f"deny:jti:{token_id}", 1, ex=max(1, ttl_seconds))

    @timed("redis", "guard.revoke_sessions")
    async def revoke_sessions(self, session_ids: list[str], ttl_seconds: int) -> None:
        if not session_ids:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for sid in session_ids:
                pipe.set(f"deny:sid:{sid}", 1, ex=max(1, ttl_seconds))
            await pipe.execute()
