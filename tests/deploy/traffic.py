"""A client sending requests through the edge while a release changes, counting failures.

Reads: the public health check, REQUESTS_PER_SECOND of them. With `writes`, a second client
registers an account, logs in and creates a batch WRITES_PER_SECOND times a second: POSTs,
which nginx never sends twice, so they fail if a connection breaks after they were sent.
"""

import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

# Under nginx's limit of 10 requests/s per client, so that every answer is the API's.
REQUESTS_PER_SECOND = 8
WRITES_PER_SECOND = 1
BATCH = {
    "product": "traffic",
    "variety": "Hass",
    "harvest_date": "2026-10-02",
    "origin": {"farm": "Traffic", "region": "Test", "country": "MX"},
    "quantity": "1.000",
    "unit": "kg",
}


@dataclass
class Traffic:
    url: str
    domain: str
    tls: ssl.SSLContext
    writes: bool = False
    sent: int = 0
    written: int = 0  # batches created
    failures: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # time.monotonic() of each failure
    served_at: list[float] = field(default_factory=list)  # time.monotonic() of each 200
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    # Held around each write: a test holds it to have no write in progress at some moment.
    _writing: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> "Traffic":
        self._threads = [threading.Thread(target=self._run, daemon=True)]
        if self.writes:
            self._threads.append(threading.Thread(target=self._write, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        print(
            f"traffic through the edge: {self.sent} requests ({self.written} writes), "
            f"{len(self.failures)} failed"
        )

    @contextmanager
    def no_write_in_progress(self) -> Iterator[None]:
        with self._writing:
            yield

    def _failed(self, what: str) -> None:
        # The time, to read beside the release tool's log lines.
        self.failures.append(f"{time.strftime('%H:%M:%S')} {what}")
        self.failed_at.append(time.monotonic())

    def _client(self) -> httpx.Client:
        # A new connection for every request: each one goes to whatever nginx serves then.
        limits = httpx.Limits(max_keepalive_connections=0)
        return httpx.Client(verify=self.tls, limits=limits, timeout=10)

    def _send(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        expected: int,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response | None:
        self.sent += 1
        url = self.url.split("/api/v1/", 1)[0] + path
        try:
            answer = client.request(
                method,
                url,
                json=body,
                headers={"Host": self.domain, **(headers or {})},
                extensions={"sni_hostname": self.domain},
            )
        except httpx.HTTPError as exc:
            self._failed(f"{method} {path} {type(exc).__name__}: {exc}")
            return None
        if answer.status_code != expected:
            self._failed(f"{method} {path} {answer.status_code}: {answer.text[:200]}")
            return None
        self.served_at.append(time.monotonic())
        return answer

    def _paced(self, per_second: float, step: Callable[[], object]) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            step()
            # A slow answer delays the next request; the missed ones are not sent in a
            # burst, which the edge's rate limit would rightly refuse.
            next_at = max(next_at + 1 / per_second, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _run(self) -> None:
        path = "/api/v1/" + self.url.split("/api/v1/", 1)[1]
        with self._client() as client:
            self._paced(REQUESTS_PER_SECOND, lambda: self._send(client, "GET", path, 200))

    def _write(self) -> None:
        email = f"traffic-{secrets.token_hex(6)}@example.com"
        password = secrets.token_urlsafe(24)
        account = {"email": email, "password": password, "full_name": "Traffic Test"}
        with self._client() as client:
            with self._writing:
                registered = self._send(client, "POST", "/api/v1/auth/register", 201, account)
                login = {"email": email, "password": password}
                answer = registered and self._send(client, "POST", "/api/v1/auth/login", 200, login)
            if not answer:
                return
            auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}

            def create() -> None:
                with self._writing:
                    if self._send(client, "POST", "/api/v1/batches", 201, BATCH, auth):
                        self.written += 1

            self._paced(WRITES_PER_SECOND, create)
