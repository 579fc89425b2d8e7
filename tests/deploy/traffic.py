"""A client sending requests through the edge while a release changes, counting failures."""

import ssl
import threading
import time
from dataclasses import dataclass, field

import httpx

# Under nginx's limit of 10 requests/s per client, so that every answer is the API's.
REQUESTS_PER_SECOND = 8


@dataclass
class Traffic:
    url: str
    domain: str
    tls: ssl.SSLContext
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # time.monotonic() of each failure
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "Traffic":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)
        print(f"traffic through the edge: {self.sent} requests, {len(self.failures)} failed")

    def _failed(self, what: str) -> None:
        # The time, to read beside the release tool's log lines.
        self.failures.append(f"{time.strftime('%H:%M:%S')} {what}")
        self.failed_at.append(time.monotonic())

    def _run(self) -> None:
        # A new connection for every request: each one goes to whatever nginx serves then.
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(verify=self.tls, limits=limits, timeout=10) as client:
            next_at = time.monotonic()
            while not self._stop.is_set():
                self.sent += 1
                try:
                    answer = client.get(
                        self.url,
                        headers={"Host": self.domain},
                        extensions={"sni_hostname": self.domain},
                    )
                    if answer.status_code != 200:
                        self._failed(f"{answer.status_code}: {answer.text[:200]}")
                except httpx.HTTPError as exc:
                    self._failed(f"{type(exc).__name__}: {exc}")
                # A slow answer delays the next request; the missed ones are not sent in a
                # burst, which the edge's rate limit would rightly refuse.
                next_at = max(next_at + 1 / REQUESTS_PER_SECOND, time.monotonic())
                self._stop.wait(max(0.0, next_at - time.monotonic()))
