"""Memory soak: a running API under steady mixed reads and writes for a long time (an hour by
default), with every client's tokens renewed as it goes, while each worker's resident memory
is recorded to a CSV. A worker whose memory keeps growing once warmed up is a leak.

    just soak [URL] [DURATION] [USERS]
    python -m tests.load.soak http://127.0.0.1:8000 --duration 3m

The workers' memory comes from the API's /metrics (agrobridge_process_resident_memory_bytes, one
series per worker pid), which answers loopback peers, or callers with SOAK_METRICS_TOKEN. The
clients stay within the API's per-address limits: sign-ups, logins and refreshes share
--auth-per-minute (the API allows 20 a minute, and hashes at most two passwords of one address at
once; here a burst of 2, then 14 a minute), and each
client makes about two requests a second. Writes --out (CSV: elapsed_s, utc, pid, rss_bytes,
requests, failures) and the summary next to it (.summary.txt).
"""

import argparse
import asyncio
import csv
import os
import random
import re
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "memory watch " + secrets.token_hex(8)
BATCH = {
    "product": "avocado",
    "variety": "Hass",
    "harvest_date": "2026-10-02",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "quantity": "1250.500",
    "unit": "kg",
}
RSS = re.compile(r'^agrobridge_process_resident_memory_bytes\{pid="(\d+)"\} (\S+)$', re.M)
WARM_UP_SHARE = 0.2  # growth is judged after the first fifth of the run


def duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 3m, 1h)")
    return float(match.group(1)) * units[match.group(2) or "s"]


@dataclass
class Tally:
    requests: int = 0
    failures: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def count(self, name: str, status: int | str, ok: bool) -> None:
        self.requests += 1
        self.failures += not ok
        self.outcomes[f"{name} {status}"] += 1


class AuthPacer:
    """Sign-ups, logins and refreshes of every client, spread to stay under the API's limit:
    a burst of `burst` at the start, then `per_minute`."""

    def __init__(self, per_minute: int, burst: int = 2) -> None:
        self.rate = per_minute / 60
        self.burst = float(burst)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self.lock = asyncio.Lock()

    async def turn(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class Client:
    def __init__(self, http: httpx.AsyncClient, pacer: AuthPacer, tally: Tally) -> None:
        self.http, self.pacer, self.tally = http, pacer, tally
        self.email = ""
        self.access = self.refresh_token = ""
        self.batches: list[str] = []
        self.renewals = 0

    async def call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {self.access}"} if self.access else {}
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.count(name, type(exc).__name__, False)
            return None
        ok = response.status_code < 400 or (name == "register" and response.status_code == 409)
        self.tally.count(name, response.status_code, ok)
        if response.status_code == 429:
            await asyncio.sleep(float(response.headers.get("retry-after", "5")))
        return response

    async def sign_up(self) -> None:
        """A new account and a first session: every renewal after this is a fresh token."""
        email = f"soak-{secrets.token_hex(6)}@example.com"
        body = {"email": email, "password": PASSWORD, "full_name": "Soak"}
        await self.pacer.turn()
        response = await self.call("register", "POST", "/auth/register", json=body)
        if response is not None and response.status_code in (201, 409):
            self.email = email
            await self.log_in()

    async def log_in(self) -> None:
        await self.pacer.turn()
        body = {"email": self.email, "password": PASSWORD}
        response = await self.call("login", "POST", "/auth/login", json=body)
        if response is not None and response.status_code == 200:
            self.take(response.json())
        elif response is not None and response.status_code == 401:
            self.email = ""  # the account is not there: make another

    def take(self, tokens: dict[str, Any]) -> None:
        self.access, self.refresh_token = tokens["access_token"], tokens["refresh_token"]

    async def renew(self) -> None:
        """Alternately a refresh (token rotation) and a logout and new login (a revoked token
        and a new session): both keep the API's token state changing."""
        self.renewals += 1
        if self.renewals % 2:
            await self.pacer.turn()
            body = {"refresh_token": self.refresh_token}
            response = await self.call("refresh", "POST", "/auth/refresh", json=body)
            if response is not None and response.status_code == 200:
                self.take(response.json())
                return
        body = {"refresh_token": self.refresh_token}
        await self.call("logout", "POST", "/auth/logout", json=body)
        self.access = ""
        await self.log_in()

    async def one_step(self) -> None:
        if not self.batches or random.random() < 0.2:
            response = await self.call("create", "POST", "/batches", json=BATCH)
            if response is not None and response.status_code == 201:
                self.batches = [*self.batches[-49:], response.json()["id"]]
            return
        batch = random.choice(self.batches)
        step = random.random()
        if step < 0.35:
            await self.call("read", "GET", f"/batches/{batch}")
        elif step < 0.6:
            await self.call("list", "GET", "/batches", params={"limit": 20})
        elif step < 0.75:
            await self.call("events", "GET", f"/batches/{batch}/events")
        elif step < 0.9:
            tx = {
                "tx_hash": "0x" + secrets.token_hex(32),
                "network": "polygon-amoy",
                "event_type": "shipped",
            }
            await self.call("transaction", "POST", f"/batches/{batch}/transactions", json=tx)
        else:
            await self.call("me", "GET", "/auth/me")

    async def run(self, until: float, pace: float, renew_every: float) -> None:
        renew_at = time.monotonic() + renew_every * random.uniform(0.5, 1.0)
        while time.monotonic() < until:
            if not self.email:
                await self.sign_up()  # at the start, or again when refused (say, a 429)
            elif not self.access:
                await self.log_in()
            elif time.monotonic() >= renew_at:
                await self.renew()
                renew_at = time.monotonic() + renew_every
            else:
                await self.one_step()
            await asyncio.sleep(pace)


async def sample(
    http: httpx.AsyncClient, metrics: str, token: str, started: float, tally: Tally
) -> list[tuple[float, str, int, int, int, int]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.get(metrics, headers=headers)
    response.raise_for_status()
    elapsed = round(time.monotonic() - started, 1)
    utc = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        (elapsed, utc, int(pid), int(float(value)), tally.requests, tally.failures)
        for pid, value in RSS.findall(response.text)
    ]


async def soak(args: argparse.Namespace) -> int:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tally, pacer = Tally(), AuthPacer(args.auth_per_minute)
    started = time.monotonic()
    until = started + args.duration
    limits = httpx.Limits(max_connections=args.users + 2)
    async with httpx.AsyncClient(base_url=args.url.rstrip("/"), timeout=15, limits=limits) as http:
        first = await sample(http, "/metrics", args.metrics_token, started, tally)
        if not first:
            print("no agrobridge_process_resident_memory_bytes in /metrics", file=sys.stderr)
            return 2
        api = httpx.AsyncClient(
            base_url=args.url.rstrip("/") + "/api/v1", timeout=15, limits=limits
        )
        clients = [Client(api, pacer, tally) for _ in range(args.users)]
        runs = [asyncio.create_task(c.run(until, args.pace, args.renew_every)) for c in clients]
        rows = list(first)
        with args.out.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["elapsed_s", "utc", "pid", "rss_bytes", "requests", "failures"])
            writer.writerows(first)
            while time.monotonic() < until:
                await asyncio.sleep(min(args.sample_every, max(until - time.monotonic(), 0)))
                try:
                    taken = await sample(http, "/metrics", args.metrics_token, started, tally)
                except httpx.HTTPError as exc:
                    print(f"metrics unreadable: {exc}", file=sys.stderr)
                    continue
                writer.writerows(taken)
                out.flush()
                rows += taken
                print(progress(taken, tally), flush=True)
        await asyncio.gather(*runs)
        await api.aclose()
        rows += await sample(http, "/metrics", args.metrics_token, started, tally)
    text = summary(rows, tally, time.monotonic() - started, args.out)
    print(text)
    args.out.with_suffix(".summary.txt").write_text(text + "\n")
    ratio = tally.failures / max(tally.requests, 1)
    return 1 if ratio > args.max_failure_ratio else 0


def progress(taken: list[tuple[float, str, int, int, int, int]], tally: Tally) -> str:
    memory = ", ".join(f"{pid}: {rss / 2**20:.1f} MiB" for _, _, pid, rss, _, _ in taken)
    return f"{taken[0][0]:7.0f} s  {tally.requests} requests, {tally.failures} failed  {memory}"


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares growth of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / spread * 3600


def summary(
    rows: list[tuple[float, str, int, int, int, int]], tally: Tally, seconds: float, out: Path
) -> str:
    lines = [
        f"soak: {seconds / 60:.1f} min, {tally.requests} requests "
        f"({tally.requests / max(seconds, 1):.1f}/s), {tally.failures} failed; RSS in {out}",
        "worker   samples  first MiB  last MiB  max MiB  growth MiB  after warm-up MiB/h",
    ]
    warm = seconds * WARM_UP_SHARE
    for pid in sorted({row[2] for row in rows}):
        mine = [(row[0], row[3] / 2**20) for row in rows if row[2] == pid]
        settled = [point for point in mine if point[0] >= warm]
        lines.append(
            f"{pid:<8} {len(mine):>7}  {mine[0][1]:>9.1f}  {mine[-1][1]:>8.1f}  "
            f"{max(m for _, m in mine):>7.1f}  {mine[-1][1] - mine[0][1]:>10.1f}  "
            f"{slope_per_hour(settled):>19.1f}"
        )
    if len({row[2] for row in rows}) > len({row[2] for row in rows if row[0] == rows[-1][0]}):
        lines.append("some workers were replaced during the run (see the CSV's pids)")
    worst = ", ".join(f"{k}: {v}" for k, v in tally.outcomes.most_common() if not ok_key(k))
    lines.append(f"failures by request: {worst or 'none'}")
    return "\n".join(lines)


def ok_key(key: str) -> bool:
    status = key.rsplit(" ", 1)[1]
    return status.isdigit() and (int(status) < 400 or key == "register 409")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="soak", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--duration", type=duration, default=duration("1h"))
    parser.add_argument("--users", type=int, default=6)
    parser.add_argument(
        "--pace", type=float, default=0.5, help="seconds between a client's requests"
    )
    parser.add_argument("--renew-every", type=duration, default=duration("2m"))
    parser.add_argument("--auth-per-minute", type=int, default=14)
    parser.add_argument("--sample-every", type=duration, default=duration("15s"))
    parser.add_argument("--out", type=Path, default=Path(".data/soak/rss.csv"))
    parser.add_argument("--metrics-token", default=os.environ.get("SOAK_METRICS_TOKEN", ""))
    parser.add_argument("--max-failure-ratio", type=float, default=0.01)
    return asyncio.run(soak(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
