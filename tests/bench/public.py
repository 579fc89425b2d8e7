"""`just bench-public`: the public view beside the authenticated read, on this machine.

Starts its own PostgreSQL and Redis and the API as `just bench` does (production settings as
staging, two workers, its least-privilege database role), seeds batches and 50 public lots with
10-event chains, then runs in interleaved rounds (wrk, 64 connections):

- read_api: GET /api/v1/batches/{id} with a bearer token;
- public_view: GET /api/v1/public/batches/{code}, no token, a full 200 every time;
- public_revalidate: the same with the ETag the client holds (If-None-Match), as nginx's cache,
  a CDN or a browser asks on every use of its copy (`Cache-Control: no-cache`): a 304.

Prints a table (req/s, P50, P99, server CPU µs per request) and each public scenario against the
authenticated read; writes nothing.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import sys
from contextlib import ExitStack

import httpx

from api.infrastructure.security.keys import write_private_key
from tests.bench.run import (
    API_ROLE,
    BENCH_DATABASE,
    DATA,
    ROOT,
    free_port,
    fresh_database,
    process,
    seed,
    seed_public,
    services,
    sh,
    wait_ready,
    wrk,
)

SCENARIOS = (
    ("read_api", "read.lua"),
    ("public_view", "public.lua"),
    ("public_revalidate", "public_revalidate.lua"),
)


def etags(base: str, codes: list[str]) -> list[str]:
    with httpx.Client(base_url=base, timeout=30) as client:
        found = []
        for code in codes:
            answer = client.get(f"/api/v1/public/batches/{code}")
            answer.raise_for_status()
            found.append(f"{code} {answer.headers['ETag']}")
        return found


def measure(args: argparse.Namespace, env: dict[str, str]) -> dict[str, list[dict[str, float]]]:
    port = free_port()
    database_url = asyncio.run(fresh_database(env["DATABASE_URL"]))
    key = DATA / "keys" / "jwt-signing.pem"
    if not key.exists():
        write_private_key(key)
    common = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": env["REDIS_URL"]}
    sh(
        sys.executable,
        "-m",
        "api",
        "migrate",
        env=common | {"AGROBRIDGE_DB_RUNTIME_ROLE": API_ROLE},
    )
    api_env = common | {
        "DATABASE_URL": env["API_DATABASE_URL"].rsplit("/", 1)[0] + "/" + BENCH_DATABASE,
        "AGROBRIDGE_ENV": "staging",
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": str(key),
        "AGROBRIDGE_PORT": str(port),
        "AGROBRIDGE_WORKERS": "2",
        "AGROBRIDGE_LOG_DIR": str(DATA / "logs"),
        "AGROBRIDGE_LOG_STDOUT": "false",
        "AGROBRIDGE_ACCESS_TOKEN_TTL_SECONDS": "3600",
        "AGROBRIDGE_RATE_LIMIT_USER_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
        "AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000000",
    }
    api = f"http://127.0.0.1:{port}"
    with ExitStack() as stack:
        pgid = stack.enter_context(
            process([sys.executable, "-m", "api", "serve"], api_env, DATA / "api.log")
        ).pid
        wait_ready(api + "/api/v1/health")
        _, token, ids = asyncio.run(seed(api, args.batches))
        (DATA / "ids.txt").write_text("\n".join(ids) + "\n")
        codes = asyncio.run(seed_public(api, token, ids))
        (DATA / "codes.txt").write_text("\n".join(codes) + "\n")
        (DATA / "etags.txt").write_text("\n".join(etags(api, codes)) + "\n")
        wrk_env = {
            "BENCH_IDS": str(DATA / "ids.txt"),
            "BENCH_CODES": str(DATA / "codes.txt"),
            "BENCH_ETAGS": str(DATA / "etags.txt"),
            "BENCH_TOKEN": token,
        }
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.rounds):
            for name, script in SCENARIOS:
                runs.setdefault(name, []).append(wrk(api, script, wrk_env, args.seconds, 64, pgid))
        return runs


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r.get(key, float("nan")) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--batches", type=int, default=500)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    before = os.getloadavg()[0]
    DATA.mkdir(parents=True, exist_ok=True)
    env = services()
    try:
        runs = measure(args, env)
    finally:
        sh(str(ROOT / "scripts/dev-services.sh"), "stop", str(DATA))
    after = os.getloadavg()[0]
    print(f"load average (1 min) {before:.2f} before, {after:.2f} after; {os.cpu_count()} cores")
    print(f"medians of {args.rounds} interleaved rounds of {args.seconds} s, wrk -t2 -c64")
    print("| scenario | req/s | P50 ms | P99 ms | errors | server CPU µs/req |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _ in SCENARIOS:
        r = runs[name]
        print(
            f"| {name} | {median(r, 'rps'):.0f} | {median(r, 'p50'):.2f} | {median(r, 'p99'):.2f}"
            f" | {median(r, 'errors'):.0f} | {median(r, 'cpu_us'):.0f} |"
        )
    base = runs["read_api"]
    for name in ("public_view", "public_revalidate"):
        rps = median(runs[name], "rps") / median(base, "rps")
        cpu = median(runs[name], "cpu_us") / median(base, "cpu_us")
        print(f"{name} / read_api: {rps:.2f}x the req/s at {cpu:.2f}x the CPU per request")


if __name__ == "__main__":
    main()
