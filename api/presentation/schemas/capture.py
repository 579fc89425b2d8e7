"""EPCIS capture (GS1's REST binding): the EPCISDocument sent, and the capture job answered."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.domain.epcis.capture import MAX_EVENTS, CaptureJob
from api.domain.epcis.document import EPCIS_CONTEXT_URL, epcis_time
from api.presentation.schemas.epcis import EVENT_EXAMPLE

ROLLBACK = "rollback"
CAPTURE_ERROR_BEHAVIOUR = {
    "name": "GS1-Capture-Error-Behaviour",
    "in": "header",
    "required": False,
    "description": (
        "`rollback` (the default): all events are stored or none. `proceed` is refused (400)."
    ),
    "schema": {"type": "string", "enum": ["rollback", "proceed"]},
}
EPCIS_VERSION = {
    "name": "GS1-EPCIS-Version",
    "in": "header",
    "required": False,
    "description": "`2.0` when sent; any other version is refused (400).",
    "schema": {"type": "string", "enum": ["2.0"]},
}

SHIPPING_EXAMPLE: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2026-10-04T06:00:00.000-06:00",
    "eventTimeZoneOffset": "-06:00",
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "quantityList": EVENT_EXAMPLE["quantityList"],
    "readPoint": {"id": "https://id.gs1.org/414/7501234000017"},
    "sourceList": [{"type": "owning_party", "source": "https://id.gs1.org/417/7501234000017"}],
    "destinationList": [
        {"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"}
    ],
}
CAPTURE_EXAMPLE: dict[str, Any] = {
    "@context": [EPCIS_CONTEXT_URL],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-10-04T06:05:00.000-06:00",
    "epcisBody": {"eventList": [SHIPPING_EXAMPLE]},
}
JOB_EXAMPLE: dict[str, Any] = {
    "captureID": "7d1c9a52-3e4f-4b8a-9c6d-2f1e0a9b8c7d",
    "createdAt": "2026-10-04T12:05:01.120+00:00",
    "finishedAt": "2026-10-04T12:05:01.120+00:00",
    "running": False,
    "success": True,
    "captureErrorBehaviour": ROLLBACK,
    "errors": [],
    "eventCount": 1,
    "eventIDs": [
        "ni:///sha-256;8b7e5f2c0c1a9d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912?ver=CBV2.0"
    ],
}


class CaptureBodyIn(BaseModel):
    """The document's events."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event_list: list[dict[str, Any]] = Field(
        alias="eventList",
        min_length=1,
        max_length=MAX_EVENTS,
        description='ObjectEvents, each about one lot of ours (docs/API.md, "EPCIS capture").',
    )


class CaptureIn(BaseModel):
    """A GS1 EPCIS 2.0 EPCISDocument (JSON-LD), checked against GS1's JSON Schema (the schema
    here is only its outline)."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, json_schema_extra={"examples": [CAPTURE_EXAMPLE]}
    )

    context: Any = Field(
        alias="@context",
        description=f"`{EPCIS_CONTEXT_URL}`, and prefixes the events' fields need.",
    )
    type: Literal["EPCISDocument"]
    schema_version: Literal["2.0"] = Field(alias="schemaVersion")
    creation_date: str = Field(alias="creationDate")
    epcis_body: CaptureBodyIn = Field(alias="epcisBody")


class CaptureJobOut(BaseModel):
    """A capture job as GS1's REST binding reports it. Captures run within the request: a job
    answered is finished, and succeeded (a refused capture is a 400, and leaves no job)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [JOB_EXAMPLE]})

    capture_id: str = Field(alias="captureID")
    created_at: str = Field(alias="createdAt")
    finished_at: str | None = Field(alias="finishedAt")
    running: bool
    success: bool
    capture_error_behaviour: Literal["rollback"] = Field(alias="captureErrorBehaviour")
    errors: list[dict[str, Any]]
    event_count: int = Field(alias="eventCount")
    event_ids: list[str] = Field(alias="eventIDs", description="The eventIDs stored, in order.")


def job_json(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": str(job.id),
        "createdAt": epcis_time(job.created_at),
        "finishedAt": epcis_time(job.finished_at) if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": ROLLBACK,
        "errors": job.errors,
        "eventCount": len(job.event_ids),
        "eventIDs": list(job.event_ids),
    }
