"""Apply the committed Aerich migrations: the only way any database gets its schema."""

from aerich import Command

from api.infrastructure.db.config import APP_LABEL, MIGRATIONS_DIR, tortoise_config


async def upgrade(database_url: str) -> list[str]:
    """Apply pending migrations; return the names of those applied."""
    async with Command(
        tortoise_config=tortoise_config(database_url, pool_max=2),
        app=APP_LABEL,
        location=MIGRATIONS_DIR,
    ) as command:
        await command.init()
        applied: list[str] = await command.upgrade(run_in_transaction=True)
        return applied
