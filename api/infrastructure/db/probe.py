from tortoise import connections

from api.infrastructure.metrics import timed


class PostgresProbe:
    @timed("db", "probe.ping")
    async def ping(self) -> None:
        await connections.get("default").execute_query("SELECT 1")
