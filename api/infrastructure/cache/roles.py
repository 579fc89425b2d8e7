"""People's roles in their organisations, kept in Redis beside the per-request check (the guard's
script reads a request's `member:` key in the round trip it makes anyway), so that reading a
caller's role costs no database query.

A role is kept only after it was read from the database (SET NX, so a kept value or a change's
mark is never overwritten) and for a few minutes, with the deny-list epoch of the token that read
it: a new epoch (a restore of the database, Redis losing its data) refuses every older token, and
no role kept before it is served after it. A change of a membership first overwrites its
key with a mark, `-`, that is served as nothing and that nothing is kept over; a request that read
the old role just before the change committed cannot keep it afterwards. The mark is written again
when the change ends, so that it outlasts the change however long that took, and lives longer
than the gap between any request's database read and its keeping what it read.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

from loguru import logger
from redis.asyncio import Redis

from api.domain.organisations import MemberRole
from api.infrastructure.faults import UNAVAILABLE_ERRORS
from api.infrastructure.metrics import timed

ROLE_TTL_SECONDS = 300
# What a change writes: longer than a request takes from its database read to keeping its role
# (a statement's timeout and a few Redis calls' timeouts, far below the API's response timeout).
CHANGING = b"-"
CHANGE_HOLD_SECONDS = 60
ROLES = {role.value.encode(): role for role in MemberRole}


def member_key(organisation_id: UUID, user_id: UUID) -> str:
    return f"member:{organisation_id}:{user_id}"


def served_role(value: bytes | None, epoch: str | None) -> MemberRole | None:
    """The role a key's value stands for in this epoch: none when it is missing, a change's
    mark, or kept in another epoch."""
    if value is None or not epoch:
        return None
    kept_in, _, role = value.partition(b"|")
    return ROLES.get(role) if kept_in == epoch.encode() else None


class RedisRoleCache:
    def __init__(
        self,
        client: Redis,
        ttl_seconds: int = ROLE_TTL_SECONDS,
        hold_seconds: int = CHANGE_HOLD_SECONDS,
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._hold = hold_seconds

    @timed("redis", "roles.keep")
    async def keep(
        self, organisation_id: UUID, user_id: UUID, role: MemberRole, epoch: str
    ) -> None:
        try:
            await self._client.set(
                member_key(organisation_id, user_id), f"{epoch}|{role.value}", nx=True, ex=self._ttl
            )
        except UNAVAILABLE_ERRORS as exc:
            # Only the next request's database read is lost.
            logger.warning("role not kept: Redis unavailable ({})", exc)

    @asynccontextmanager
    async def changing(self, memberships: Sequence[tuple[UUID, UUID]]) -> AsyncIterator[None]:
        keys = [member_key(organisation_id, user_id) for organisation_id, user_id in memberships]
        await self._mark(keys)
        try:
            yield
        finally:
            try:
                await self._mark(keys)
            except UNAVAILABLE_ERRORS as exc:
                # The first mark still stands for as long as any change usually takes.
                logger.warning("membership change not marked again: Redis unavailable ({})", exc)

    @timed("redis", "roles.mark_changing")
    async def _mark(self, keys: list[str]) -> None:
        if not keys:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(key, CHANGING, ex=self._hold)
            await pipe.execute()
