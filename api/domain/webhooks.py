"""Webhooks (docs/API.md, "Webhooks"): what partners may subscribe to, how each message is signed
(the Standard Webhooks scheme, https://www.standardwebhooks.com), when a failed delivery is tried
again, and which addresses a delivery may never reach."""

import base64
import hashlib
import hmac
import ipaddress
import json
import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from api.domain.custody import EventType

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, no secret
SECRET_BYTES = 24
MESSAGE_PREFIX = "msg_"
MAX_URL_LENGTH = 2000
MAX_SUBSCRIPTIONS = 20
# The characters RFC 3986 lets a URI hold; anything else (spaces, controls, `<`, `^`...) is
# refused rather than guessed at.
URL_PATTERN = r"^https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$"
_URL = re.compile(URL_PATTERN)
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# The custody and lineage events partners may subscribe to, named as on the wire.
EVENT_TYPES: dict[EventType, str] = {
    EventType.SHIPPED: "batch.shipped",
    EventType.DELIVERED: "batch.delivered",
    EventType.REJECTED: "batch.rejected",
    EventType.CANCELLED: "batch.cancelled",
    EventType.SPLIT: "batch.split",
    EventType.TRANSACTION_RECORDED: "transaction.recorded",
}
# A trading partner's EPCIS event about the lot, captured (docs/API.md, "EPCIS capture").
CAPTURED = "epcis.captured"
SUBSCRIBABLE = (*EVENT_TYPES.values(), CAPTURED)


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by its owner; deliveries wait until it resumes
    DISABLED = "disabled"  # by the worker, after failing for the whole retry window


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the retry window


@dataclass(frozen=True)
class Subscription:
    id: UUID
    organisation_id: UUID
    url: str
    event_types: tuple[str, ...]
    description: str | None
    state: SubscriptionState
    created_by: UUID
    created_at: datetime
    updated_at: datetime
    # While a rotation runs, the secret it replaced signs too, until this time.
    previous_secret_expires_at: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class NewSubscription:
    url: str
    event_types: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True)
class OutboxEvent:
    """A change to report, written in the transaction that makes it. `organisations`: those
    entitled to hear of it (the lot's owner and the organisation it was shipped to)."""

    type: str
    batch_id: UUID
    organisations: frozenset[UUID]
    data: dict[str, object]
    at: datetime


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription, as its owner sees it in the delivery log."""

    id: int
    subscription_id: UUID
    message_id: str
    event_type: str
    batch_id: UUID
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


def entitled(owner_id: UUID, recipient_id: UUID | None) -> frozenset[UUID]:
    """The organisations that hear of a lot's change: its owner and its recipient."""
    return frozenset(o for o in (owner_id, recipient_id) if o is not None)


def message_body(event: OutboxEvent, message_id: str) -> str:
    """The JSON sent: its type, when it happened and what; the same bytes on every attempt."""
    timestamp = event.at.isoformat().replace("+00:00", "Z")
    payload = {"type": event.type, "timestamp": timestamp, "id": message_id, "data": event.data}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return MESSAGE_PREFIX + secrets.token_urlsafe(18)


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's bytes."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """Every live secret's signature, space separated: receivers accept any one of them."""
    return " ".join(sign(s, message_id, timestamp, body) for s in secrets_)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, until the delivery has failed for `window`."""

    first: timedelta = timedelta(seconds=5)
    ceiling: timedelta = timedelta(hours=6)
    window: timedelta = timedelta(days=3)
    jitter: float = 0.2

    def delay(self, attempts: int, rand: random.Random | None = None) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1 for the first)."""
        # Capped before multiplying: a timedelta overflows long before the count does.
        base = min(self.ceiling, self.first * (1 << min(max(0, attempts - 1), 30)))
        spread: float = (rand or random).uniform(1 - self.jitter, 1 + self.jitter)
        return base * spread

    def next_attempt(
        self, first_failed_at: datetime, now: datetime, attempts: int
    ) -> datetime | None:
        """When to try again, or None: the window is over, give up."""
        if now - first_failed_at >= self.window:
            return None
        return now + self.delay(attempts)


# SSRF: a partner's URL must never reach our own network or the host's metadata service.
def address_refused(address: str) -> str | None:
    """Why a delivery may not go to this IP address; None when it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "not a public address"
    return None


def url_problem(url: str, allow_private: bool) -> str | None:
    """What is wrong with a subscription's URL, before any name is resolved."""
    if len(url) > MAX_URL_LENGTH:
        return f"at most {MAX_URL_LENGTH} characters"
    if not _URL.fullmatch(url) or _PERCENT.search(url):
        return "not a URL: only the characters of RFC 3986, and % before two hex digits"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a URL"
    scheme_ok = parts.scheme == "https" or (allow_private and parts.scheme == "http")
    if not scheme_ok:
        return "must be an https:// URL"
    if not parts.hostname:
        return "names no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if parts.fragment:
        return "must not carry a fragment"
    if port == 0:
        return "port 0 is not a port"
    host = parts.hostname.rstrip(".").lower()
    if not _host_ok(host):
        return "names no valid host"
    if not allow_private:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            return "a local name"
        try:
            why = address_refused(host)
        except ValueError:
            return None  # a name: checked when it is resolved, before each delivery
        if why:
            return why
    return None


def _host_ok(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in host.split("."))
    return True


def check_event_types(types: list[str]) -> str | None:
    unknown = sorted(set(types) - set(SUBSCRIBABLE))
    if unknown:
        return f"unknown event types {', '.join(unknown)}; one of {', '.join(SUBSCRIBABLE)}"
    if not types:
        return "name at least one event type"
    return None
