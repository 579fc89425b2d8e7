"""A partner's webhook endpoint for the end-to-end tests: a small HTTP server on a free port that
checks each message's signature with the independent verifier (tests/support/standard_webhooks.py)
and records what arrived. What it answers is set per test: 2xx, 500, or hanging until released."""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.standard_webhooks import InvalidSignature, verify

# Given the request's number (1 for the first): the status to answer, or None to hang until
# the test releases the receiver.
Behaviour = Callable[[int], int | None]


def healthy(_: int) -> int:
    return 204


@dataclass
class Arrival:
    message_id: str
    body: dict[str, Any]
    signed: bool
    status: int | None  # None: the receiver hung and the sender gave up or died meanwhile


@dataclass
class Receiver:
    port: int
    secrets: list[str] = field(default_factory=list)
    behaviour: Behaviour = healthy
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    most_at_once: dict[str, int] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def acknowledged(self) -> list[Arrival]:
        """What it answered 2xx to, in the order it answered."""
        with self.lock:
            return [a for a in self.arrivals if a.status is not None and a.status < 300]

    def received(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)

    def handle(self, headers: dict[str, str], raw: bytes) -> int | None:
        try:
            signed = any(self._verifies(s, headers, raw) for s in self.secrets)
        except InvalidSignature:
            signed = False
        message_id = headers.get("webhook-id", "")
        with self.lock:
            self.count += 1
            number = self.count
            self.in_flight[message_id] = self.in_flight.get(message_id, 0) + 1
            now = self.in_flight[message_id]
            self.most_at_once[message_id] = max(self.most_at_once.get(message_id, 0), now)
        status = self.behaviour(number)
        if status is None:
            self.released.wait(timeout=60)
        with self.lock:
            self.in_flight[message_id] -= 1
            self.arrivals.append(Arrival(message_id, json.loads(raw), signed, status))
        return status

    @staticmethod
    def _verifies(secret: str, headers: dict[str, str], raw: bytes) -> bool:
        try:
            verify(secret, headers, raw)
        except InvalidSignature:
            return False
        return True


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.handle(headers, raw)
            try:
                self.send_response(status or 204)
                self.end_headers()
            except OSError:
                pass  # the sender is gone

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), _handler(receiver))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
