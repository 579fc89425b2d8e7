"""Tortoise configuration, built from settings; the app, the migrations and the tests share it."""

from pathlib import Path
from typing import Any

MODELS_MODULE = "api.infrastructure.db.models"
APP_LABEL = "models"
MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")


async def _keep_session(_connection: object) -> None:
    """Skip asyncpg's RESET ALL on every release: we never change session state, and the
    reset would cost a round trip per request."""


def tortoise_config(database_url: str, pool_min: int = 1, pool_max: int = 10) -> dict[str, Any]:
    from tortoise.backends.base.config_generator import expand_db_url

    connection = expand_db_url(database_url)
    connection["credentials"].update(minsize=pool_min, maxsize=pool_max, reset=_keep_session)
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE, "aerich.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
