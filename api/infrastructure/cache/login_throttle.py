"""Brute-force protection for logins, keyed on account+address and on address alone.

Locking the account+address pair (not the account) means an attacker elsewhere cannot lock
the real owner out; each lock doubles from one second up to a ceiling, then expires.
"""

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from api.application.ports import AddressStanding
from api.infrastructure.metrics import timed

# An address a login succeeded from is trusted a little more (queues first) for this long.
KNOWN_GOOD_SECONDS = 7 * 24 * 3600

FAIL_LUA = """
local account = redis.call('INCR', KEYS[1])
if account == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local address = redis.call('INCR', KEYS[2])
if address == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local lock = 0
local over = account - tonumber(ARGV[2])
if over >= 0 then
  lock = math.min(2 ^ over, tonumber(ARGV[3]))
  redis.call('SET', KEYS[3], 1, 'EX', lock)
end
if address >= tonumber(ARGV[4]) then
  local ip_lock = tonumber(ARGV[1])
  redis.call('SET', KEYS[4], 1, 'EX', ip_lock)
  lock = math.max(lock, ip_lock)
end
return lock
"""


@dataclass(frozen=True)
class ThrottlePolicy:
    failures_before_lockout: int
    lockout_max_seconds: int
    failures_per_ip: int
    window_seconds: int


class RedisLoginThrottle:
    def __init__(self, client: Redis, policy: ThrottlePolicy) -> None:
        self._client = client
        self._policy = policy
        self._fail = client.register_script(FAIL_LUA)

    @staticmethod
    def _keys(email: str, ip: str) -> list[str]:
        # Emails are hashed: Redis needs no personal data to count failures.
        account = hashlib.sha256(email.encode()).hexdigest()[:32]
        return [
            f"lf:acct:{account}:{ip}",
            f"lf:ip:{ip}",
            f"lock:acct:{account}:{ip}",
            f"lock:ip:{ip}",
        ]

    @timed("redis", "login_throttle.check")
    async def check(self, email: str, ip: str) -> AddressStanding:
        _, address_failures, account_lock, ip_lock = self._keys(email, ip)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.ttl(account_lock)
            pipe.ttl(ip_lock)
            pipe.get(address_failures)
            pipe.exists(f"ok:ip:{ip}")
            account_ttl, ip_ttl, failures, good = await pipe.execute()
        return AddressStanding(
            locked_for=max(0, int(account_ttl), int(ip_ttl)),
            failures=int(failures or 0),
            known_good=bool(good),
        )

    @timed("redis", "login_throttle.failed")
    async def failed(self, email: str, ip: str) -> int:
        """Count a failure; return the lockout it started, in seconds (0: none)."""
        p = self._policy
        lock = await self._fail(
            keys=self._keys(email, ip),
            args=[
                p.window_seconds,
                p.failures_before_lockout,
                p.lockout_max_seconds,
                p.failures_per_ip,
            ],
        )
        return int(lock)

    @timed("redis", "login_throttle.succeeded")
    async def succeeded(self, email: str, ip: str) -> None:
        account_failures, _, account_lock, _ = self._keys(email, ip)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.delete(account_failures, account_lock)
            pipe.set(f"ok:ip:{ip}", 1, ex=KNOWN_GOOD_SECONDS)
            await pipe.execute()
