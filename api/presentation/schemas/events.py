from typing import Any
from uuid import UUID

from pydantic import BaseModel

from api.domain.events import BatchEvent, ChainBreak, Verification, timestamp


class ChainBreakOut(BaseModel):
    reason: str
    seq: int | None
    tx_hash: str | None


class VerificationOut(BaseModel):
    valid: bool
    length: int
    head_hash: str | None
    broken_at: ChainBreakOut | None


class EventOut(BaseModel):
    seq: int
    type: str
    # Exactly the text that was hashed: UTC with microseconds and a Z.
    at: str
    actor_role: str
    data: dict[str, Any]
    data_hash: str
    prev_hash: str
    hash: str


class EventsOut(BaseModel):
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
        out["data"] = event.data
    return out
