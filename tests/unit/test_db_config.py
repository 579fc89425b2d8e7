from typing import Any

from api.infrastructure.db.config import Limits, tortoise_config

URL = "postgres://api:secret@db.internal:6432/agrobridge?sslmode=require"
LIMITS = Limits(acquire=3, statement=5, lock=2)


def credentials(pooled: bool = False) -> dict[str, Any]:
    config = tortoise_config(URL, 1, 10, LIMITS, pooled=pooled)
    found: dict[str, Any] = config["connections"]["default"]["credentials"]
    return found


def test_a_direct_connection_sends_its_timeouts_and_keeps_prepared_statements():
    direct = credentials()
    assert direct["server_settings"] == {
        "statement_timeout": "5000",
        "lock_timeout": "2000",
        "idle_in_transaction_session_timeout": "20000",
    }
    assert "statement_cache_size" not in direct
    assert direct["ssl"] == "require"


def test_a_pooled_connection_keeps_no_statements_and_sends_no_session_settings():
    pooled = credentials(pooled=True)
    assert pooled["statement_cache_size"] == 0
    assert "server_settings" not in pooled
    # The client's own bounds still hold.
    assert pooled["command_timeout"] == 6
    assert pooled["acquire_timeout"] == 3
