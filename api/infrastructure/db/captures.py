"""EPCIS capture jobs: stored once, finished, in the transaction that stores their events."""

from typing import Any
from uuid import UUID

import orjson
from tortoise import connections

from api.domain.epcis.capture import CaptureJob
from api.infrastructure.db.values import as_json
from api.infrastructure.metrics import timed

INSERT = """
INSERT INTO epcis_captures (id, organisation_id, captured_by, by_client, created_at,
                            finished_at, running, success, errors, event_ids, event_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11)
"""
SELECT = "SELECT * FROM epcis_captures WHERE id = $1 AND organisation_id = $2"


def _job(row: dict[str, Any]) -> CaptureJob:
    return CaptureJob(
        id=row["id"],
        organisation_id=row["organisation_id"],
        captured_by=row["captured_by"],
        by_client=row["by_client"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        event_ids=tuple(as_json(row["event_ids"])),
        running=row["running"],
        success=row["success"],
        errors=list(as_json(row["errors"])),
    )


class PgCaptures:
    @timed("db", "captures.add")
    async def add(self, job: CaptureJob) -> None:
        values = [
            job.id, job.organisation_id, job.captured_by, job.by_client, job.created_at,
            job.finished_at, job.running, job.success, orjson.dumps(job.errors).decode(),
            orjson.dumps(list(job.event_ids)).decode(), len(job.event_ids),
        ]  # fmt: skip
        await connections.get("default").execute_query(INSERT, values)

    @timed("db", "captures.get")
    async def get(self, capture_id: UUID, organisation_id: UUID) -> CaptureJob | None:
        rows = await connections.get("default").execute_query_dict(
            SELECT, [capture_id, organisation_id]
        )
        return _job(rows[0]) if rows else None
