"""The databases `just bench-scale` measures: one per size, `scale_<N>` beside the cluster's
default database, migrated and seeded once (tests/bench/seed_scale.py) and reused while they
hold the lots asked for."""

import asyncio
import os
import subprocess
import sys

import asyncpg

from tests.bench.seed_scale import load

API_ROLE = "agrobridge_api"


def url_of(admin_url: str, lots: int) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/scale_{lots}"


async def _lots_in(admin_url: str, lots: int) -> int | None:
    """How many lots `scale_<lots>` holds; None when it is missing or not migrated."""
    try:
        connection = await asyncpg.connect(url_of(admin_url, lots))
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        if await connection.fetchval("SELECT to_regclass('batches')") is None:
            return None
        return int(await connection.fetchval("SELECT count(*) FROM batches"))
    finally:
        await connection.close()


async def _recreate(admin_url: str, lots: int) -> None:
    connection = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + "/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS scale_{lots} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE scale_{lots}")
    finally:
        await connection.close()


def prepare(admin_url: str, lots: int, seed: int = 1) -> str:
    """The URL of a migrated database holding `lots` seeded lots, made unless it exists."""
    url = url_of(admin_url, lots)
    if asyncio.run(_lots_in(admin_url, lots)) == lots:
        return url
    asyncio.run(_recreate(admin_url, lots))
    env = {**os.environ, "DATABASE_URL": url, "AGROBRIDGE_DB_RUNTIME_ROLE": API_ROLE}
    subprocess.run([sys.executable, "-m", "api", "migrate"], env=env, check=True)
    if lots:
        print(asyncio.run(load(url, lots, seed, 5_000)), file=sys.stderr)
    return url


if __name__ == "__main__":
    print(prepare(sys.argv[1], int(sys.argv[2])))
