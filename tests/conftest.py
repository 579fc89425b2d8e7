"""Session-wide real backends, shared by the integration and end-to-end tiers.

Unit and HTTP-layer tests never ask for these fixtures, so `pytest tests/unit tests/http` needs
no services.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.infrastructure.security.keys import write_private_key
from tests.support.backends import (
    Backends,
    Database,
    migrated,
    provide_backends,
    throwaway_database,
)

# The deploy tier provisions VM-like hosts over SSH; it is part of the suite, and
# AGROBRIDGE_DEPLOY_TIER=0 leaves it out of a quick local run.
if os.environ.get("AGROBRIDGE_DEPLOY_TIER") == "0":
    collect_ignore = ["deploy"]


@pytest.fixture(scope="session")
def backends() -> Iterator[Backends]:
    try:
        with provide_backends() as found:
            yield found
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def database(backends: Backends) -> Iterator[Database]:
    """A fresh database whose schema comes from the committed Aerich migrations."""
    with throwaway_database(backends.admin_database_url) as fresh:
        yield migrated(fresh)


@pytest.fixture(scope="session")
def database_url(database: Database) -> str:
    """What the API connects with: its own role, which owns nothing."""
    return database.api_url


@pytest.fixture(scope="session")
def owner_database_url(database: Database) -> str:
    return database.owner_url


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "jwt-signing.pem"
    write_private_key(path, bits=2048)
    return path
