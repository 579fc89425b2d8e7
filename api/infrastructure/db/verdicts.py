"""A chain's verdict, made when the chain changes and kept on its batch's row with what it was
made over: the row versions (xmin) of the chain's events and the chain's anchors. Any change to
an event row, even one made behind the API's back with the append-only guard off, gives the row
a new version, so a read that finds another basis than the stored one checks the chain itself
(docs/security.md, "What the public chain reveals")."""

from typing import Any
from uuid import UUID

import orjson
from tortoise import connections

from api.domain.events import BatchEvent, ChainBreak, Verification, verify

# Each chain is verified against its first anchors, as History reads them.
MAX_ANCHORS = 1000


def basis(batch_id: str) -> str:
    """SQL for the basis of the chain of the batch whose id is the SQL `batch_id`."""
    return f"""md5(
    coalesce((SELECT string_agg(e.xmin::text, ',' ORDER BY e.seq) FROM batch_events e
               WHERE e.batch_id = {batch_id}), '')
    || '|' ||
    coalesce((SELECT string_agg(t.tx_hash || ':' || coalesce(t.anchor_hash, ''), ','
                                ORDER BY t.created_at, t.id)
                FROM transactions t WHERE t.batch_id = {batch_id}), ''))"""  # noqa: S608 - constant


ANCHORS = f"SELECT tx_hash, anchor_hash FROM transactions WHERE batch_id = $1 ORDER BY created_at, id LIMIT {MAX_ANCHORS}"  # noqa: S608, E501
SEAL = f"UPDATE batches SET chain_verdict = $2::jsonb, chain_basis = {basis('$1')} WHERE id = $1"  # noqa: S608


def verdict_json(result: Verification) -> dict[str, Any]:
    broken = result.broken_at
    return {
        "valid": result.valid,
        "length": result.length,
        "head_hash": result.head_hash,
        "broken_at": None
        if broken is None
        else {"reason": broken.reason, "seq": broken.seq, "tx_hash": broken.tx_hash},
    }


def verdict_from_json(value: dict[str, Any]) -> Verification:
    broken = value["broken_at"]
    return Verification(
        valid=value["valid"],
        length=value["length"],
        head_hash=value["head_hash"],
        broken_at=None if broken is None else ChainBreak(**broken),
    )


async def seal(batch_id: UUID, chain: list[BatchEvent]) -> None:
    """Verify `chain` (the batch's whole chain, as the caller's transaction sees it) and keep
    the verdict on the batch's row. Runs where events are appended, under the batch's lock."""
    db = connections.get("default")
    rows = await db.execute_query_dict(ANCHORS, [batch_id])
    result = verify(chain, [(r["tx_hash"], r["anchor_hash"]) for r in rows])
    await db.execute_query(SEAL, [batch_id, orjson.dumps(verdict_json(result)).decode()])
