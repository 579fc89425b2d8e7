"""Single-use values (client assertions' ids): the first use claims the key until it expires."""

from datetime import datetime

from redis.asyncio import Redis

from api.infrastructure.metrics import timed


class RedisReplayGuard:
    def __init__(self, client: Redis, prefix: str = "once:") -> None:
        self._client = client
        self._prefix = prefix

    @timed("redis", "replays.first_use")
    async def first_use(self, key: str, until: datetime) -> bool:
        # SET NX is atomic: of two workers racing with one assertion, exactly one gets it.
        # EXAT is an absolute time, so the key lasts exactly as long as the value is valid.
        claimed = await self._client.set(
            self._prefix + key, 1, nx=True, exat=max(1, int(until.timestamp()) + 1)
        )
        return bool(claimed)
