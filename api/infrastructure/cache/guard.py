"""Per-request checks in one Redis round trip: GCRA rate limit plus the token deny-list, and the
caller's role in the organisation they act for when it is kept (api/infrastructure/cache/roles.py).
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from api.domain.organisations import MemberRole
from api.infrastructure.cache.roles import member_key, served_role
from api.infrastructure.metrics import timed
from api.infrastructure.per_turn import PerTurn

# Several requests' checks in one call: ARGV[1] of them, in order, each taking its keys from
# KEYS and six arguments from ARGV. Keys: the caller's rate bucket, then (optional) deny-list
# entries for the token id and the session id, and the deny-list's epoch, then (optional) the
# person's membership key. Arguments: the key count (1, 4 or 5); emission interval and burst
# tolerance, in microseconds; the token's issue time in seconds; the tolerated clock skew; the
# epoch the token names ('' if none). One reply per check, times in milliseconds, ending with
# the membership key's value (nil if none). Time comes from Redis so that every worker agrees.
#
# The epoch is when the deny-list became complete, to the microsecond. Every token issue sets
# it if missing and writes it into the token, so it is only missing here when Redis lost its
# data (a restart without persistence) or a restore of the database deleted it: revocations
# may have been lost, so every token of another epoch is refused (clients refresh). Tokens
# that name no epoch (issued before tokens did) are judged by their issue time.
NEW_EPOCH = """
local function new_epoch(key, t)
  local epoch = t[1] .. '.' .. string.rep('0', 6 - #t[2]) .. t[2]
  redis.call('SET', key, epoch)
  return epoch
end
"""
GUARD_LUA = (
    NEW_EPOCH
    + """
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local replies = {}
local k, a = 1, 2
for i = 1, tonumber(ARGV[1]) do
  local nkeys = tonumber(ARGV[a])
  local interval = tonumber(ARGV[a + 1])
  local tolerance = tonumber(ARGV[a + 2])
  local issued, skew = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local named = ARGV[a + 5]
  a = a + 6
  local bucket = KEYS[k]
  local revoked, role = 0, false
  if nkeys > 4 then role = redis.call('GET', KEYS[k + 4]) end
  if nkeys > 1 then
    revoked = redis.call('EXISTS', KEYS[k + 1], KEYS[k + 2])
    local epoch = redis.call('GET', KEYS[k + 3]) or new_epoch(KEYS[k + 3], t)
    if named ~= '' then
      if named ~= epoch then revoked = 1 end
    elseif issued + skew < tonumber(epoch) then
      revoked = 1
    end
  end
  k = k + nkeys
  local tat = tonumber(redis.call('GET', bucket) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - tolerance
  if now < allow_at then
    local retry_ms = math.ceil((allow_at - now) / 1000)
    replies[i] = {0, 0, math.ceil((tat - now) / 1000), retry_ms, revoked, role}
  else
    local ttl_ms = math.ceil((new_tat - now) / 1000)
    redis.call('SET', bucket, string.format('%d', new_tat), 'PX', ttl_ms)
    replies[i] = {1, math.floor((now - allow_at) / interval), ttl_ms, 0, revoked, role}
  end
end
return replies
"""
)


EPOCH_KEY = "deny:epoch"
# Tolerated difference between the API hosts' clocks (token iat) and Redis's clock (epoch).
CLOCK_SKEW_SECONDS = 2
OPEN_EPOCH_LUA = (
    NEW_EPOCH
    + """
return redis.call('GET', KEYS[1]) or new_epoch(KEYS[1], redis.call('TIME'))
"""
)


# One request's check: its keys and its arguments (GUARD_LUA), and the script's reply to it.
Check = tuple[list[str], list[int | str]]
# Five integers and the membership key's value: bytes or None.
Reply = list[Any]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int
    revoked: bool
    # The caller's role in the organisation they act for, when one is kept.
    member_role: MemberRole | None = None


def _ceil_seconds(ms: int) -> int:
    return max(0, -(-int(ms) // 1000))


class RedisGuard:
    """Checks asked for in the same event-loop turn go to Redis in one script call."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._script = client.register_script(GUARD_LUA)
        self._batch: PerTurn[Check, Reply] = PerTurn(self._check_many)

    @timed("redis", "guard.check")
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
        keys = [f"rl:{bucket}"]
        if token_id and session_id:
            keys += [f"deny:jti:{token_id}", f"deny:sid:{session_id}", EPOCH_KEY]
            if membership is not None:
                keys.append(member_key(*membership))
        interval_us = max(1, 60_000_000 // per_minute)
        args: list[int | str] = [len(keys), interval_us, interval_us * per_minute, issued_at]
        args += [CLOCK_SKEW_SECONDS, epoch or ""]
        allowed, remaining, reset_ms, retry_ms, revoked, role = await self._batch.call((keys, args))
        return Verdict(
            allowed=bool(allowed),
            limit=per_minute,
            remaining=int(remaining),
            reset_seconds=_ceil_seconds(reset_ms),
            retry_after_seconds=_ceil_seconds(retry_ms),
            revoked=bool(revoked),
            member_role=served_role(role, epoch),
        )

    async def _check_many(self, checks: list[Check]) -> list[Reply]:
        keys = [key for check_keys, _ in checks for key in check_keys]
        args = [len(checks), *(arg for _, check_args in checks for arg in check_args)]
        replies: list[Reply] = await self._script(keys=keys, args=args)
        return replies


class RedisRevocations:
    """The deny-list: entries live as long as the access tokens they stop."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._open_epoch = client.register_script(OPEN_EPOCH_LUA)

    @timed("redis", "guard.open_epoch")
    async def open_epoch(self) -> str:
        epoch: bytes | str = await self._open_epoch(keys=[EPOCH_KEY])
        return epoch.decode() if isinstance(epoch, bytes) else epoch

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
