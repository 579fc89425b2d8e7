"""A batch's tamper-evident history: events linked by SHA-256 hashes (docs/API.md, "Event chain").

Each event commits to its predecessor's hash, so changing, removing or reordering any stored
event breaks every link after it. The encoding is RFC 8785 (JSON Canonicalization Scheme) for
the values events hold: objects with ASCII keys, strings, integers, booleans and null; no floats.

An event's data enters the chain only through a commitment, SHA-256(salt || JCS(data)), with a
random 32-byte salt kept secret beside the event: the chain's hashes may be published without
letting anyone test guesses of the data (a farm's name, a buyer's id), and whoever is shown the
data and its salt can check it (docs/security.md, "What the public chain reveals").
"""

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

GENESIS = "0" * 64
SALT_BYTES = 32
# Events made before the chain was salted had no salt: their data hash was SHA-256(JCS(data)).
NO_SALT = b""

JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
EventData = dict[str, JsonValue]


def _utf16_order(value: Any) -> Any:
    # RFC 8785 sorts keys by UTF-16 code units, not by code points as Python would.
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return {key: _utf16_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [_utf16_order(item) for item in value]
    if isinstance(value, float):
        raise ValueError("Out of range: events hold no floating-point numbers")
    return value


def canonical(value: Any) -> bytes:
    """RFC 8785 for JSON without floats: sorted keys, no whitespace, UTF-8, minimal escapes."""
    return json.dumps(
        _utf16_order(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def data_commitment(salt: bytes, data: EventData) -> str:
    """SHA-256(salt || JCS(data)); with NO_SALT, the unsalted data hash of the first chains."""
    return sha256_hex(salt + canonical(data))


def timestamp(at: datetime) -> str:
    """Event times are hashed as this exact text: UTC, microseconds, a Z suffix."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class BatchEvent:
    batch_id: UUID
    seq: int
    type: str
    at: datetime
    actor_role: str
    data: EventData
    prev_hash: str
    hash: str
    # Secret: shown only with the data, to those who may see it.
    salt: bytes
    # For an event made before the chain was salted, the hash it had then (over the unsalted
    # data hash, linked to the legacy hash before it): what anchors made then vouch for.
    legacy_hash: str | None = None

    @property
    def data_hash(self) -> str:
        # Computed, never stored: a changed `data` must show up as a broken link.
        return data_commitment(self.salt, self.data)

    def computed_hash(self) -> str:
        return event_hash(
            self.batch_id, self.seq, self.type, self.at, self.actor_role, self.data_hash,
            self.prev_hash,
        )  # fmt: skip

    def computed_legacy_hash(self, legacy_prev: str) -> str:
        return event_hash(
            self.batch_id, self.seq, self.type, self.at, self.actor_role,
            data_commitment(NO_SALT, self.data), legacy_prev,
        )  # fmt: skip


def event_hash(
    batch_id: UUID,
    seq: int,
    type_: str,
    at: datetime,
    actor_role: str,
    data_hash: str,
    prev_hash: str,
) -> str:
    return sha256_hex(
        canonical(
            {
                "batch_id": str(batch_id),
                "seq": seq,
                "type": type_,
                "at": timestamp(at),
                "actor_role": actor_role,
                "data_hash": data_hash,
                "prev_hash": prev_hash,
            }
        )
    )


def link(
    batch_id: UUID,
    head: BatchEvent | None,
    type_: str,
    at: datetime,
    actor_role: str,
    data: EventData,
    salt: bytes | None = None,
) -> BatchEvent:
    """The event that follows `head` (None for a batch's first event), under a new random salt
    unless one is given."""
    seq = head.seq + 1 if head else 1
    prev = head.hash if head else GENESIS
    # Microseconds are all PostgreSQL keeps, and all the hash covers.
    at = at.astimezone(UTC)
    salt = new_salt() if salt is None else salt
    digest = event_hash(batch_id, seq, type_, at, actor_role, data_commitment(salt, data), prev)
    return BatchEvent(batch_id, seq, type_, at, actor_role, data, prev, digest, salt)


def reseal(chain: Sequence[BatchEvent]) -> list[BatchEvent]:
    """An unsalted chain relinked over salted commitments (new salts, new hashes, the same
    sequence numbers), each event keeping the hash it had as its legacy_hash."""
    prev, out = GENESIS, []
    for event in chain:
        salt = new_salt()
        digest = event_hash(
            event.batch_id, event.seq, event.type, event.at, event.actor_role,
            data_commitment(salt, event.data), prev,
        )  # fmt: skip
        out.append(replace(event, prev_hash=prev, hash=digest, salt=salt, legacy_hash=event.hash))
        prev = digest
    return out


@dataclass(frozen=True)
class ChainBreak:
    reason: str
    seq: int | None = None
    tx_hash: str | None = None


@dataclass(frozen=True)
class Verification:
    valid: bool
    length: int
    head_hash: str | None
    broken_at: ChainBreak | None = None


def verify(
    events: Sequence[BatchEvent], anchors: Iterable[tuple[str, str | None]] = ()
) -> Verification:
    """Check every link in seq order (and the legacy hashes of events made before the chain
    was salted), then that every (tx_hash, anchor_hash) names an event."""
    head = events[-1].hash if events else None
    prev = legacy_prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        problem = None
        if event.seq != expected_seq:
            problem = "sequence_gap"
        elif event.prev_hash != prev:
            problem = "prev_hash_mismatch"
        elif event.computed_hash() != event.hash:
            problem = "hash_mismatch"
        elif event.legacy_hash and event.computed_legacy_hash(legacy_prev) != event.legacy_hash:
            problem = "legacy_hash_mismatch"
        if problem:
            return Verification(False, len(events), head, ChainBreak(problem, seq=event.seq))
        prev, legacy_prev = event.hash, event.legacy_hash or legacy_prev
    hashes = {event.hash for event in events}
    for tx_hash, anchor in anchors:
        if anchor is not None and anchor not in hashes:
            return Verification(
                False, len(events), head, ChainBreak("anchor_not_in_chain", tx_hash=tx_hash)
            )
    return Verification(True, len(events), head)


def without_none(values: Mapping[str, JsonValue]) -> EventData:
    """Event data leaves out absent optional values rather than hashing nulls."""
    return {key: value for key, value in values.items() if value is not None}
