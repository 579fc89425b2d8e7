from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.domain.events import BatchEvent, ChainBreak, Verification, timestamp

# An example event, for the document: its hashes are what steps 2 and 3 of docs/API.md give for
# this data and salt, in the batch of PublicBatchOut's example.
EVENT_EXAMPLE: dict[str, Any] = {
    "seq": 1,
    "type": "created",
    "at": "2026-10-03T08:15:00.000000Z",
    "actor_role": "producer",
    "data": {"code": "AGB-7K3Q-9XD2-M4TN", "product": "avocado"},
    "salt": "5c1f0e4a9b7d3c2e8f6a1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e",
    "data_hash": "c41673bf6728e742ffa6f2a3dc33420377a2f43438edb00ff7eb19ff2dc33420",
    "prev_hash": "0" * 64,
    "hash": "d2ef65f13ecd11adbc2a3a9eea9a0cdb265f96083d72b263de6060a219ff45f1",
    "legacy_hash": None,
}
# What the public timeline shows of an event: no data, nothing that opens its commitment.
PRIVATE_FIELDS = ("data", "salt", "legacy_hash")


class ChainBreakOut(BaseModel):
    """Where the chain stops verifying, and why."""

    reason: str
    seq: int | None
    tx_hash: str | None


class VerificationOut(BaseModel):
    """The chain checked from its first event: each hash and link, and every anchor."""

    valid: bool
    length: int
    head_hash: str | None
    broken_at: ChainBreakOut | None


class EventOut(BaseModel):
    """One event of the chain: its data, the secret salt and the commitment to both
    (`data_hash` = SHA-256(salt || JCS(data))), and the link to the previous event."""

    model_config = ConfigDict(json_schema_extra={"examples": [EVENT_EXAMPLE]})

    seq: int
    type: str
    # Exactly the text that was hashed: UTC with microseconds and a Z.
    at: str
    actor_role: str
    data: dict[str, Any]
    # 32 random bytes, hex: with the data, it opens data_hash. Never published.
    salt: str = Field(pattern="^[0-9a-f]{64}$")
    data_hash: str
    prev_hash: str
    hash: str
    # The hash the event had before the chain was salted (unsalted data hash, linked to the
    # legacy hash before it), for events made then; null for later ones.
    legacy_hash: str | None


class EventsOut(BaseModel):
    """A batch's events, oldest first, and the chain's verification."""

    batch_id: UUID
    data: list[EventOut]
    verification: VerificationOut


def _break_json(found: ChainBreak | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"reason": found.reason, "seq": found.seq, "tx_hash": found.tx_hash}


def verification_json(result: Verification) -> dict[str, Any]:
    return {
        "valid": result.valid,
        "length": result.length,
        "head_hash": result.head_hash,
        "broken_at": _break_json(result.broken_at),
    }


def event_json(event: BatchEvent, with_data: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": event.seq,
        "type": event.type,
        "at": timestamp(event.at),
        "actor_role": event.actor_role,
        "data_hash": event.data_hash,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    if with_data:
        out |= {"data": event.data, "salt": event.salt.hex(), "legacy_hash": event.legacy_hash}
    return out
