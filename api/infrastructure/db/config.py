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


def session_settings(limits: Limits) -> dict[str, str]:
    """The server-side bounds of the API's sessions, in PostgreSQL's units (milliseconds)."""
    return {
        "statement_timeout": str(int(limits.statement * 1000)),
        "lock_timeout": str(int(limits.lock * 1000)),
        # A backstop: a session left open in a transaction is closed by the server.
        "idle_in_transaction_session_timeout": str(int(limits.statement * 4000)),
    }


def _split_sslmode(database_url: str) -> tuple[str, str | None]:
    """libpq's `sslmode` is not Tortoise's: take it out and hand it to asyncpg as `ssl`."""
    parts = urlsplit(database_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    modes = [value for key, value in query if key == "sslmode"]
    rest = urlencode([(key, value) for key, value in query if key != "sslmode"])
    return urlunsplit(parts._replace(query=rest)), (modes[-1] if modes else None)


def tortoise_config(
    database_url: str,
    pool_min: int = 1,
    pool_max: int = 10,
    limits: Limits | None = None,
    *,
    pooled: bool = False,
) -> dict[str, Any]:
    """`pooled`: the URL names PgBouncer in transaction mode, where consecutive transactions of
    one client connection may run on different server connections. asyncpg then keeps no
    prepared statements (an unnamed one lives within its own transaction), and no session
    settings are sent: PgBouncer cannot carry them, so the timeouts are the API role's own
    defaults (`ALTER ROLE ... SET`, which provisioning sets from the same values)."""
    from tortoise.backends.base.config_generator import expand_db_url

    url, sslmode = _split_sslmode(database_url)
    connection = expand_db_url(url)
    connection["engine"] = ENGINE
    credentials = connection["credentials"]
    credentials.update(minsize=pool_min, maxsize=pool_max, reset=_keep_session)
    if sslmode is not None:
        credentials["ssl"] = sslmode
    if pooled:
        credentials["statement_cache_size"] = 0
    if limits is not None:
        credentials.update(
            acquire_timeout=limits.acquire,
            release_timeout=limits.acquire,
            # The client gives up a little after the server would, so that a live server's
            # own error (clearer, and the session stays usable) normally comes first.
            command_timeout=limits.statement + 1,
        )
        if not pooled:
            credentials["server_settings"] = {
                **credentials.get("server_settings", {}),
                **session_settings(limits),
            }
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
