"""The public view of a batch in one round trip: the batch, its parent's public code, its chain,
its transaction records and its chain's verdict as kept when the chain last changed (the
hottest anonymous read); only for a public batch."""

import orjson
from tortoise import connections

from api.application.ports import BatchSnapshot
from api.infrastructure.db import batches, events, transactions, verdicts
from api.infrastructure.db.values import column_list
from api.infrastructure.metrics import timed
from api.infrastructure.per_turn import PerTurn

MAX_TRANSACTIONS = 1000
# The row versions (xmin) of every row the snapshot is made of: any change to one of them, the
# API's or anyone's, makes a new row version. Index lookups only, no chain read.
VERSION = """md5(concat_ws('|', b.xmin::text, p.xmin::text,
    (SELECT string_agg(e.xmin::text, ',' ORDER BY e.seq) FROM batch_events e
      WHERE e.batch_id = b.id),
    (SELECT string_agg(t.xmin::text, ',' ORDER BY t.created_at, t.id) FROM transactions t
      WHERE t.batch_id = b.id)))"""
# Each table's own column list and row mapper: the JSON aggregates carry the same columns.
SNAPSHOT = f"""
SELECT {column_list(batches.COLUMNS, "b")},
    CASE WHEN p.published_at IS NOT NULL THEN p.public_code END AS parent_code,
    (SELECT coalesce(json_agg(e ORDER BY e.seq), '[]')
       FROM (SELECT {column_list(events.COLUMNS)}
               FROM batch_events WHERE batch_id = b.id) e) AS chain,
    (SELECT coalesce(json_agg(t ORDER BY t.created_at, t.id), '[]')
       FROM (SELECT {column_list(transactions.COLUMNS)}
               FROM transactions WHERE batch_id = b.id
              ORDER BY created_at, id LIMIT {MAX_TRANSACTIONS}) t) AS records,
    -- The verdict kept when the chain last changed, only while the rows are the same rows.
    CASE WHEN b.chain_basis = {verdicts.basis("b.id")} THEN b.chain_verdict END AS verdict,
    {VERSION} AS version
FROM batches b LEFT JOIN batches p ON p.id = b.parent_id
WHERE b.public_code = $1 AND b.published_at IS NOT NULL
"""  # noqa: S608 - constant
VERSIONS = f"""
SELECT b.public_code, {VERSION} AS version
FROM batches b LEFT JOIN batches p ON p.id = b.parent_id
WHERE b.public_code = ANY($1::text[]) AND b.published_at IS NOT NULL
"""  # noqa: S608 - constant


class PgPublicReads:
    def __init__(self) -> None:
        # Every public read asks for its lot's version first: the versions asked for in one
        # loop turn come back in one query, as the authenticated read's batches do.
        self._versions: PerTurn[str, str | None] = PerTurn(self._versions_of)

    @timed("db", "public.snapshot")
    async def snapshot(self, public_code: str) -> BatchSnapshot | None:
        rows = await connections.get("default").execute_query_dict(SNAPSHOT, [public_code])
        if not rows:
            return None
        row = rows[0]
        batch = batches.batch_from_row(row)
        chain = [events.event_from_row(e) for e in orjson.loads(row["chain"])]
        records = [transactions.transaction_from_row(t) for t in orjson.loads(row["records"])]
        kept = row["verdict"]
        verdict = verdicts.verdict_from_json(orjson.loads(kept)) if kept is not None else None
        return BatchSnapshot(batch, row["parent_code"], chain, records, verdict, row["version"])

    @timed("db", "public.version")
    async def version(self, public_code: str) -> str | None:
        return await self._versions.call(public_code)

    async def _versions_of(self, codes: list[str]) -> list[str | None]:
        rows = await connections.get("default").execute_query_dict(VERSIONS, [list(set(codes))])
        found = {row["public_code"]: str(row["version"]) for row in rows}
        return [found.get(code) for code in codes]
