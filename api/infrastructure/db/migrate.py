"""Apply the committed Aerich migrations: the only way any database gets its schema."""

import asyncpg
from aerich import Command
from loguru import logger
from tortoise import Tortoise, connections

from api.infrastructure.db.config import APP_LABEL, MIGRATIONS_DIR, tortoise_config
from api.infrastructure.db.grants import grant_runtime_role
from api.infrastructure.db.partitions import MONTHS_AHEAD, ensure_partitions, is_partitioned


async def upgrade(database_url: str, runtime_role: str | None = None) -> list[str]:
    """Apply pending migrations, make the audit log's partitions for the coming months, then
    grant the runtime role its rights; return the migrations applied."""
    async with Command(
        tortoise_config=tortoise_config(database_url, pool_max=2),
        app=APP_LABEL,
        location=MIGRATIONS_DIR,
    ) as command:
        await command.init()
        applied: list[str] = await command.upgrade(run_in_transaction=True)
        if await is_partitioned(connections.get("default")):
            try:
                await ensure_partitions()
            except asyncpg.LockNotAvailableError:
                # Schema work of someone else's holds the table: the daily job makes them.
                logger.warning("audit_logs: partitions not made (the table was busy); the job will")
        if runtime_role:
            await grant_runtime_role(connections.get("default"), runtime_role)
        return applied


async def make_partitions(database_url: str, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """What the daily job does: the audit log's missing partitions, up to `months_ahead`."""
    await Tortoise.init(config=tortoise_config(database_url, 1, 1))
    try:
        if not await is_partitioned(connections.get("default")):
            raise RuntimeError("audit_logs is not partitioned: run `python -m api migrate` first")
        return await ensure_partitions(months_ahead=months_ahead)
    finally:
        await Tortoise.close_connections()
