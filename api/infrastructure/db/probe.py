from tortoise import connections


class PostgresProbe:
    async def ping(self) -> None:
        await connections.get("default").execute_query("SELECT 1")
