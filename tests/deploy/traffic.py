"""A client sending requests through the edge while a release changes, counting failures.

With `writes=True` every fourth request creates a batch as a producer it registers first, so
that a release is also measured by the writes it must not fail or lose.
"""

import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

# Under nginx's limit of 10 requests/s per client, so that every answer is the API's.
REQUESTS_PER_SECOND = 8
WRITE_EVERY = 4


@dataclass
class Traffic:
    url: str
    domain: str
    tls: ssl.SSLContext
    writes: bool = False
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # time.monotonic() of each failure
    created: list[str] = field(default_factory=list)  # ids of the batches the API acknowledged
    product: str = field(default_factory=lambda: f"traffic-{secrets.token_hex(4)}")
    _token: str = ""
    _writing: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "Traffic":
        if self.writes:
            self._token = self._log_in()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)
        print(
            f"traffic through the edge: {self.sent} requests ({len(self.created)} batches "
            f"created), {len(self.failures)} failed"
        )

    @contextmanager
    def between_writes(self) -> Iterator[None]:
        """No write is in flight inside this block. A write the server is killed in the middle
        of is lost with the process whatever the edge does (nginx never sends a POST twice):
        what a kill must not fail is every request after it."""
        with self._writing:
            yield

    def _api(self, path: str) -> str:
        return str(httpx.URL(self.url).copy_with(path=f"/api/v1{path}", query=None))

    def _client(self) -> httpx.Client:
        # A new connection for every request: each one goes to whatever nginx serves then.
        limits = httpx.Limits(max_keepalive_connections=0)
        return httpx.Client(
            verify=self.tls,
            limits=limits,
            timeout=10,
            headers={"Host": self.domain},
        )

    @property
    def _sni(self) -> dict[str, object]:
        return {"sni_hostname": self.domain}

    def _log_in(self) -> str:
        email = f"{self.product}@example.com"
        password = secrets.token_urlsafe(18)
        with self._client() as client:
            body = {"email": email, "password": password, "full_name": "Release Traffic"}
            registered = client.post(self._api("/auth/register"), json=body, extensions=self._sni)
            assert registered.status_code == 201, registered.text
            login = {"email": email, "password": password}
            answer = client.post(self._api("/auth/login"), json=login, extensions=self._sni)
            assert answer.status_code == 200, answer.text
            token: str = answer.json()["access_token"]
            return token

    def _failed(self, what: str) -> None:
        # The time, to read beside the release tool's log lines.
        self.failures.append(f"{time.strftime('%H:%M:%S')} {what}")
        self.failed_at.append(time.monotonic())

    def _read(self, client: httpx.Client) -> None:
        answer = client.get(self.url, extensions=self._sni)
        if answer.status_code != 200:
            self._failed(f"GET {answer.status_code}: {answer.text[:200]}")

    def _write(self, client: httpx.Client) -> None:
        body = {
            "product": self.product,
            "variety": "Hass",
            "harvest_date": "2026-10-02",
            "origin": {"farm": "Release", "region": "Traffic", "country": "MX"},
            "quantity": "12.500",
            "unit": "kg",
        }
        auth = {"Authorization": f"Bearer {self._token}"}
        with self._writing:
            answer = client.post(
                self._api("/batches"), json=body, headers=auth, extensions=self._sni
            )
        if answer.status_code == 201:
            self.created.append(answer.json()["id"])
        else:
            self._failed(f"POST {answer.status_code}: {answer.text[:200]}")

    def _run(self) -> None:
        with self._client() as client:
            next_at = time.monotonic()
            while not self._stop.is_set():
                self.sent += 1
                try:
                    if self.writes and self.sent % WRITE_EVERY == 0:
                        self._write(client)
                    else:
                        self._read(client)
                except httpx.HTTPError as exc:
                    self._failed(f"{type(exc).__name__}: {exc}")
                # A slow answer delays the next request; the missed ones are not sent in a
                # burst, which the edge's rate limit would rightly refuse.
                next_at = max(next_at + 1 / REQUESTS_PER_SECOND, time.monotonic())
                self._stop.wait(max(0.0, next_at - time.monotonic()))
