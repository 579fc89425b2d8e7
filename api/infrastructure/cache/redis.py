from redis.asyncio import Redis

from api.infrastructure.metrics import timed


def connect(url: str) -> Redis:
    """A pooled client; it opens connections lazily, so making one does no I/O."""
    return Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        health_check_interval=15,
        retry_on_timeout=False,
    )


class RedisProbe:
    def __init__(self, client: Redis) -> None:
        self._client = client

    @timed("redis", "probe.ping")
    async def ping(self) -> None:
        await self._client.ping()
