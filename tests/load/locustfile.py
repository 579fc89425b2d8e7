"""Load test: producers, buyers and auditors behaving like real clients, about 1 req/s each.

    just load URL [USERS] [DURATION]

Fails (exit code 1) when more than LOAD_MAX_FAILURE_RATIO of the requests fail or the
overall P99 exceeds LOAD_MAX_P99_MS. All users come from this machine's address, so the
target's per-address limits (AGROBRIDGE_RATE_LIMIT_AUTH_PER_MINUTE,
AGROBRIDGE_RATE_LIMIT_ANONYMOUS_PER_MINUTE, AGROBRIDGE_RATE_LIMIT_PUBLIC_PER_MINUTE) must allow
the sign-up burst and the public reads. Auditors need an
account made by an operator: set LOAD_AUDITOR_EMAIL and LOAD_AUDITOR_PASSWORD.

LOAD_CONNECT_TO=HOST:PORT:ADDRESS:PORT (curl's --connect-to) sends the connections for HOST:PORT
to ADDRESS:PORT while TLS still checks HOST's certificate: a site before its DNS points at it,
or a test host behind a forwarded port. REQUESTS_CA_BUNDLE names the CAs to trust, if not the
system's.
"""

import os
import random
import secrets
import time
from typing import Any

import urllib3.util.connection
from locust import HttpUser, constant_pacing, events, task
from locust.env import Environment

# Nothing of the email or name in it (the API refuses such a password).
PASSWORD = "avocado crate " + secrets.token_hex(8)
MAX_FAILURE_RATIO = float(os.environ.get("LOAD_MAX_FAILURE_RATIO", "0.0"))
MAX_P99_MS = float(os.environ.get("LOAD_MAX_P99_MS", "100"))
BATCH = {
    "product": "avocado",
    "variety": "Hass",
    "harvest_date": "2026-10-02",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "quantity": "1250.500",
    "unit": "kg",
}


def connect_to(spec: str) -> None:
    """Connections for HOST:PORT go to ADDRESS:PORT (urllib3 looks this function up at each
    connection; the name it asked for stays the TLS server name)."""
    host, port, address, target = spec.rsplit(":", 3)
    original = urllib3.util.connection.create_connection

    def create(destination: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        if destination == (host, int(port)):
            destination = (address, int(target))
        return original(destination, *args, **kwargs)

    urllib3.util.connection.create_connection = create  # type: ignore[assignment]


if os.environ.get("LOAD_CONNECT_TO"):
    connect_to(os.environ["LOAD_CONNECT_TO"])
# Buyers' emails, for producers to ship to (users of one locust process share them).
BUYERS: list[str] = []


class Client(HttpUser):
    abstract = True
    wait_time = constant_pacing(1)
    role = "producer"

    refresh_token = ""
    refresh_at = float("inf")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        # locust's own TLS setup ignores REQUESTS_CA_BUNDLE unless it is the session's.
        if os.environ.get("REQUESTS_CA_BUNDLE"):
            self.client.verify = os.environ["REQUESTS_CA_BUNDLE"]

    def on_start(self) -> None:
        self.email = f"load-{self.role}-{secrets.token_hex(6)}@example.com"
        body = {"email": self.email, "password": PASSWORD, "full_name": "Load", "role": self.role}
        self.client.post("/api/v1/auth/register", json=body, name="/auth/register")
        self.log_in(self.email, PASSWORD)

    def log_in(self, email: str, password: str) -> None:
        body = {"email": email, "password": password}
        with self.client.post(
            "/api/v1/auth/login", json=body, name="/auth/login", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"login answered {response.status_code}")
                return
            self.take(response.json())

    def take(self, tokens: dict[str, Any]) -> None:
        self.refresh_token = tokens["refresh_token"]
        self.refresh_at = time.monotonic() + tokens["expires_in"] * 0.8
        self.client.headers["Authorization"] = f"Bearer {tokens['access_token']}"

    def refresh_if_due(self) -> None:
        if time.monotonic() < self.refresh_at:
            return
        body = {"refresh_token": self.refresh_token}
        response = self.client.post("/api/v1/auth/refresh", json=body, name="/auth/refresh")
        if response.status_code == 200:
            self.take(response.json())


class Producer(Client):
    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.batches: list[str] = []
        self.fresh: list[str] = []
        self.codes: list[str] = []

    @task(4)
    def list_batches(self) -> None:
        self.refresh_if_due()
        self.client.get("/api/v1/batches?limit=20", name="/batches")

    @task(4)
    def read_batch(self) -> None:
        if self.batches:
            batch = random.choice(self.batches)
            self.client.get(f"/api/v1/batches/{batch}", name="/batches/{id}")

    @task(2)
    def create_batch(self) -> None:
        # Published at once, so that the public view has lots to show.
        body = BATCH | {"publish": True}
        response = self.client.post("/api/v1/batches", json=body, name="/batches [create]")
        if response.status_code == 201:
            self.batches.append(response.json()["id"])
            self.fresh.append(response.json()["id"])
            self.codes.append(response.json()["public_code"])

    @task(1)
    def ship_and_anchor(self) -> None:
        if not self.fresh or not BUYERS:
            return
        batch = self.fresh.pop()
        self.client.post(
            f"/api/v1/batches/{batch}/status",
            json={"status": "in_transit", "recipient": random.choice(BUYERS)},
            name="/batches/{id}/status",
        )
        tx = {
            "tx_hash": "0x" + secrets.token_hex(32),
            "network": "polygon-amoy",
            "event_type": "shipped",
        }
        self.client.post(
            f"/api/v1/batches/{batch}/transactions", json=tx, name="/batches/{id}/transactions"
        )
        self.client.get(
            f"/api/v1/batches/{batch}/transactions", name="/batches/{id}/transactions [list]"
        )

    @task(1)
    def public_view(self) -> None:
        if self.codes:
            code = random.choice(self.codes)
            self.client.get(f"/api/v1/public/batches/{code}", name="/public/batches/{code}")


class Buyer(Client):
    weight = 3
    role = "buyer"

    def on_start(self) -> None:
        super().on_start()
        BUYERS.append(self.email)

    @task
    def confirm_a_delivery(self) -> None:
        shipped = self.client.get(
            "/api/v1/batches?status=in_transit&limit=5", name="/batches [in transit]"
        )
        batches = shipped.json().get("data", []) if shipped.status_code == 200 else []
        if batches:
            self.client.post(
                f"/api/v1/batches/{batches[0]['id']}/status",
                json={"status": "delivered"},
                name="/batches/{id}/status",
            )

    @task
    def browse(self) -> None:
        self.refresh_if_due()
        self.client.get("/api/v1/batches?limit=20", name="/batches")

    @task
    def who_am_i(self) -> None:
        self.client.get("/api/v1/auth/me", name="/auth/me")


class Auditor(Client):
    weight = 1 if os.environ.get("LOAD_AUDITOR_EMAIL") else 0
    role = "auditor"

    def on_start(self) -> None:
        self.log_in(os.environ["LOAD_AUDITOR_EMAIL"], os.environ["LOAD_AUDITOR_PASSWORD"])

    @task(3)
    def read_batches(self) -> None:
        self.refresh_if_due()
        self.client.get("/api/v1/batches?limit=50", name="/batches")

    @task(1)
    def read_audit_log(self) -> None:
        self.client.get("/api/v1/audit-logs?limit=50", name="/audit-logs")


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def enforce_thresholds(environment: Environment, **_: Any) -> None:
    total = environment.stats.total
    p99 = total.get_response_time_percentile(0.99) or 0
    failed = total.fail_ratio > MAX_FAILURE_RATIO
    slow = p99 > MAX_P99_MS
    print(
        f"load: {total.num_requests} requests, {total.fail_ratio:.2%} failed "
        f"(max {MAX_FAILURE_RATIO:.2%}), P99 {p99:.0f} ms (max {MAX_P99_MS:.0f} ms), "
        f"{total.total_rps:.0f} req/s"
    )
    if failed or slow:
        environment.process_exit_code = 1
