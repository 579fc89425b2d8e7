"""Entry point for the `aerich` command line, which reads a module attribute.

The configuration is built from settings when aerich asks for it, not at import.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name != "TORTOISE_ORM":
        raise AttributeError(name)
    from api.infrastructure.db.config import tortoise_config
    from api.settings import DatabaseSettings

    return tortoise_config(DatabaseSettings().database_url.get_secret_value())
