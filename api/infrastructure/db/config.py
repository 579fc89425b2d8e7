"""Tortoise configuration, built from settings; the app, the migrations and the tests share it."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MODELS_MODULE = "api.infrastructure.db.models"
APP_LABEL = "models"
MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")
ENGINE = "api.infrastructure.db.engine"


@dataclass(frozen=True)
class Limits:
    """How long the API waits on PostgreSQL, in seconds. Migrations run without them."""

    acquire: float
    statement: float
    lock: float


async def _keep_session(_connection: object) -> None:
    """Skip asyncpg's RESET ALL on every release: we never change session state, and the
    reset would cost a round trip per request. (asyncpg still rolls back an open
    transaction before this runs.)"""


def _split_sslmode(database_url: str) -> tuple[str, str | None]:
    """libpq's `sslmode` is not Tortoise's: take it out and hand it to asyncpg as `ssl`."""
    parts = urlsplit(database_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    modes = [value for key, value in query if key == "sslmode"]
    rest = urlencode([(key, value) for key, value in query if key != "sslmode"])
    return urlunsplit(parts._replace(query=rest)), (modes[-1] if modes else None)


def tortoise_config(
    database_url: str, pool_min: int = 1, pool_max: int = 10, limits: Limits | None = None
) -> dict[str, Any]:
    from tortoise.backends.base.config_generator import expand_db_url

    url, sslmode = _split_sslmode(database_url)
    connection = expand_db_url(url)
    connection["engine"] = ENGINE
    credentials = connection["credentials"]
    credentials.update(minsize=pool_min, maxsize=pool_max, reset=_keep_session)
    if sslmode is not None:
        credentials["ssl"] = sslmode
    if limits is not None:
        credentials.update(
            acquire_timeout=limits.acquire,
            release_timeout=limits.acquire,
            # The client gives up a little after the server would, so that a live server's
            # own error (clearer, and the session stays usable) normally comes first.
            command_timeout=limits.statement + 1,
            server_settings={
                **credentials.get("server_settings", {}),
                "statement_timeout": str(int(limits.statement * 1000)),
                "lock_timeout": str(int(limits.lock * 1000)),
                # A backstop: a session left open in a transaction is closed by the server.
                "idle_in_transaction_session_timeout": str(int(limits.statement * 4000)),
            },
        )
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
