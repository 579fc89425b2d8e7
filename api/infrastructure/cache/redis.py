from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from api.infrastructure.metrics import timed


def connect(url: str, max_connections: int = 64) -> Redis:
    """A pooled client; it opens connections lazily, so making one does no I/O.

    The pool blocks (up to 2 s) when all its connections are busy: under a burst, requests
    queue for a connection instead of failing with "too many connections".
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=2,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        health_check_interval=15,
        retry_on_timeout=False,
        # A pooled connection that died with a Redis restart fails once and is replaced:
        # the command is retried on a new connection instead of failing the request.
        retry_on_error=[RedisConnectionError],
    )
    return Redis.from_pool(pool)  # the client owns the pool and closes it with itself


class RedisProbe:
    def __init__(self, client: Redis) -> None:
        self._client = client

    @timed("redis", "probe.ping")
    async def ping(self) -> None:
        await self._client.ping()
