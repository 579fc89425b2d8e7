"""Apply the committed Aerich migrations: the only way any database gets its schema."""

from aerich import Command
from tortoise import connections

from api.infrastructure.db.config import APP_LABEL, MIGRATIONS_DIR, tortoise_config
from api.infrastructure.db.grants import grant_runtime_role


async def upgrade(database_url: str, runtime_role: str | None = None) -> list[str]:
    """Apply pending migrations, then grant the runtime role its rights; return those applied."""
    async with Command(
        tortoise_config=tortoise_config(database_url, pool_max=2),
        app=APP_LABEL,
        location=MIGRATIONS_DIR,
    ) as command:
        await command.init()
        applied: list[str] = await command.upgrade(run_in_transaction=True)
        if runtime_role:
            await grant_runtime_role(connections.get("default"), runtime_role)
        return applied
