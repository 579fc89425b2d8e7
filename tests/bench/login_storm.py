"""Login storm benchmark: an honest user's login while 60 addresses hammer bad logins.

`uv run python -m tests.bench.login_storm` starts PostgreSQL and Redis (testcontainers, or
AGROBRIDGE_TEST_DATABASE_URL / AGROBRIDGE_TEST_REDIS_URL as the suite does), the API with two
workers behind a trusted loopback "proxy" (X-Forwarded-For names each attacker's address),
and with the rate limits and per-address lockouts lifted so that only the hashing queue
stands between the storm and the honest user. It prints the honest user's login times alone
and during the storm, and what the storm's requests got.
"""

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from multiprocessing import Queue
from pathlib import Path

import httpx

from api.infrastructure.security.keys import write_private_key
from tests.e2e.conftest import server_env
from tests.support.backends import migrated, provide_backends, throwaway_database
from tests.support.server import api_server

PASSWORD = "plain tea on a quiet morning"
HONEST_ADDRESS = "198.51.100.7"
UNLIMITED = {
    "AGROBRIDGE_PROXIES_COUNT": "1",
    "AGROBRIDGE_LOGIN_FAILURES_PER_IP": "1000000",
    "AGROBRIDGE_LOGIN_FAILURES_BEFORE_LOCKOUT": "1000000",
}


async def honest_logins(
    http: httpx.AsyncClient, email: str, count: int, fresh_addresses: bool = False
) -> tuple[list[float], Counter[int]]:
    """Logins from the user's usual address, or each from an address never seen before (a
    phone on another network: the API knows nothing good or bad of it)."""
    times, statuses = [], Counter[int]()
    for i in range(count):
        address = f"203.0.113.{i + 1}" if fresh_addresses else HONEST_ADDRESS
        started = time.perf_counter()
        answer = await http.post(
            "/auth/login",
            json={"email": email, "password": PASSWORD},
            headers={"X-Forwarded-For": address},
        )
        times.append((time.perf_counter() - started) * 1000)
        statuses[answer.status_code] += 1
        await asyncio.sleep(0.25)  # a person, not a loop
    return times, statuses


async def attacker(http: httpx.AsyncClient, address: str, until: float, seen: Counter[int]) -> None:
    while time.monotonic() < until:
        wrong = {"email": f"{uuid.uuid4().hex[:12]}@example.com", "password": "guess-guess"}
        try:
            answer = await http.post(
                "/auth/login", json=wrong, headers={"X-Forwarded-For": address}
            )
            seen[answer.status_code] += 1
            if answer.status_code in (429, 503):
                # A well-behaved client would honour Retry-After; an attacker retries at once.
                continue
        except httpx.HTTPError:
            seen[0] += 1
        except RuntimeError:
            return  # the client closed: the run is over


def summary(label: str, result: tuple[list[float], Counter[int]]) -> str:
    times, statuses = result
    ordered = sorted(times)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"{label}: n={len(times)} median={statistics.median(times):.0f} ms "
        f"p95={p95:.0f} ms max={max(times):.0f} ms statuses={dict(statuses)}\n  "
        + " ".join(f"{t:.0f}" for t in times)
    )


async def attack(url: str, addresses: int, seconds: float) -> Counter[int]:
    limits = httpx.Limits(max_connections=addresses + 10)
    async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=60, limits=limits) as http:
        seen: Counter[int] = Counter()
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(
                attacker(http, f"10.66.{i // 250}.{i % 250 + 1}", until, seen)
                for i in range(addresses)
            )
        )
        return seen


def run_attack(url: str, addresses: int, seconds: float, results: "Queue[dict[int, int]]") -> None:
    results.put(dict(asyncio.run(attack(url, addresses, seconds))))


async def honest_user(url: str, count: int, during: Callable[[], Awaitable[None]]) -> None:
    async with httpx.AsyncClient(base_url=url + "/api/v1", timeout=60) as http:
        email = f"honest-{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": PASSWORD, "full_name": "Honest Hana"}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        print(summary("honest login, no storm", await honest_logins(http, email, count)))
        await during()
        # New addresses first: early in a storm its own addresses are new as well.
        fresh = await honest_logins(http, email, count, fresh_addresses=True)
        print(summary("honest login from a new address, during the storm", fresh))
        print(summary("honest login, during the storm", await honest_logins(http, email, count)))


def storm(url: str, addresses: int, seconds: float, honest: int, build_up: float = 2) -> None:
    """The attackers run in a process of their own, as they would on machines of their own: the
    honest user's times are the API's, not those of a client loop busy with the storm."""
    results: Queue[dict[int, int]] = multiprocessing.Queue()
    attackers = multiprocessing.Process(
        target=run_attack, args=(url, addresses, seconds, results), daemon=True
    )

    async def start_storm() -> None:
        attackers.start()
        await asyncio.sleep(build_up)  # let the storm build up (0: measure its first seconds)

    asyncio.run(honest_user(url, honest, start_storm))
    seen = results.get(timeout=seconds + 120)
    attackers.join(timeout=30)
    print(f"{addresses}-address storm's answers over {seconds:.0f} s: {dict(sorted(seen.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addresses", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--honest", type=int, default=20, help="honest logins in each phase")
    parser.add_argument(
        "--build-up", type=float, default=2, help="seconds of storm before the honest logins"
    )
    parser.add_argument(
        "--unbounded", action="store_true", help="no queue bounds (as before they existed)"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        provide_backends() as backends,
        throwaway_database(backends.admin_database_url) as fresh,
    ):
        database = migrated(fresh)
        key = Path(tmp) / "key.pem"
        write_private_key(key, bits=2048)
        env = server_env(database.api_url, backends.redis_url, key) | UNLIMITED
        if args.unbounded:
            env |= {
                "AGROBRIDGE_HASH_QUEUE_PER_WORKER": "100000",
                "AGROBRIDGE_HASH_QUEUE_PER_ADDRESS": "100000",
            }
        with api_server(env, Path(tmp) / "api.log") as server:
            storm(server.url, args.addresses, args.seconds, args.honest, args.build_up)


if __name__ == "__main__":
    main()
