"""A lot's EPCIS events: the EPCISDocument those who may see the lot get (GS1's JSON-LD, events
as frozen), and the few fields of each that anyone may see of a public lot."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.domain.epcis.document import EPCIS_CONTEXT_URL, PREFIX, PREVIOUS_EVENT_ID, Event, context
from api.presentation.schemas.fields import QueryBool

MEDIA_TYPE = "application/ld+json"

# A registration as the API freezes one; its eventID is GS1's hash of it (a unit test checks).
EVENT_EXAMPLE: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventID": (
        "ni:///sha-256;ab3229bcc2c804de14466595df0589d07a96d2131c25416b54db6d3b5ce22f88?ver=CBV2.0"
    ),
    "eventTime": "2026-10-03T08:15:00.000+00:00",
    "eventTimeZoneOffset": "+00:00",
    "quantityList": [
        {
            "epcClass": "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN",
            "quantity": 1250.5,
            "uom": "KGM",
        }
    ],
    "action": "ADD",
    "bizStep": "creating_class_instance",
    "disposition": "active",
    "readPoint": {"id": "https://id.gs1.org/414/7501234000017"},
    "bizLocation": {"id": "https://id.gs1.org/414/7501234000017"},
    "ilmd": {
        "cbvmda:lotNumber": "AGB-7K3Q-9XD2-M4TN",
        "cbvmda:harvestStartDate": "2026-10-02",
        "cbvmda:harvestEndDate": "2026-10-02",
        "cbvmda:countryOfOrigin": "MX",
    },
    "agrobridge:salt": "9f86d081884c7d659a2feaa0c55ad015",
}
DOCUMENT_EXAMPLE: dict[str, Any] = {
    "@context": context(),
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-10-05T10:00:00.000+00:00",
    "epcisBody": {"eventList": [EVENT_EXAMPLE]},
}


class EpcisQuery(BaseModel):
    """Whether to add the events of the lots the batch was split from and split into."""

    model_config = ConfigDict(extra="ignore")

    lineage: Annotated[
        QueryBool,
        Field(
            description=(
                "`true`: also the events of the batch's ancestors and descendants the caller may"
                " see; `false` (default): the batch's own, and the split that made it."
            )
        ),
    ] = False


class EpcisBodyOut(BaseModel):
    """The document's events, in the order they happened."""

    model_config = ConfigDict(populate_by_name=True)

    event_list: list[dict[str, Any]] = Field(
        alias="eventList",
        description=(
            "GS1 EPCIS 2.0 events (ObjectEvent, TransformationEvent) as GS1's JSON Schema"
            f" describes them, with `{PREVIOUS_EVENT_ID}` and `{PREFIX}:salt` (docs/standards.md)."
        ),
    )


class EpcisDocumentOut(BaseModel):
    """A GS1 EPCIS 2.0 EPCISDocument (JSON-LD): each event as it was frozen when it happened,
    its `eventID` GS1's hash of it."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [DOCUMENT_EXAMPLE]}
    )

    context: list[Any] = Field(
        alias="@context",
        description=f"`{EPCIS_CONTEXT_URL}` and our prefix `{PREFIX}`, exactly (hashed).",
    )
    type: Literal["EPCISDocument"]
    schema_version: Literal["2.0"] = Field(alias="schemaVersion")
    creation_date: str = Field(alias="creationDate", description="When the document was made.")
    epcis_body: EpcisBodyOut = Field(alias="epcisBody")


PUBLIC_EVENT_EXAMPLE: dict[str, Any] = {
    "event_id": EVENT_EXAMPLE["eventID"],
    "event_time": EVENT_EXAMPLE["eventTime"],
    "biz_step": "creating_class_instance",
    "disposition": "active",
    "previous_event_id": None,
}


class PublicEpcisEventOut(BaseModel):
    """What anyone may see of one EPCIS event of a public lot: its eventID (salted, so it gives
    nothing of the event away), when, the CBV business step and disposition, and the eventID of
    the lot's event before it (null for the registration)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PUBLIC_EVENT_EXAMPLE]})

    event_id: str
    event_time: str
    biz_step: str
    disposition: str
    previous_event_id: str | None


class PublicEpcisOut(BaseModel):
    """The EPCIS events of a public lot, oldest first: eventIDs, times, steps and links only."""

    public_code: str
    data: list[PublicEpcisEventOut]


def public_event_json(event: Event) -> dict[str, Any]:
    """The one public form of an EPCIS event (docs/security.md, "What the public chain
    reveals"): none of its parties, sites, quantities, lot master data or salt."""
    return {
        "event_id": event["eventID"],
        "event_time": event["eventTime"],
        "biz_step": event["bizStep"],
        "disposition": event["disposition"],
        "previous_event_id": event.get(PREVIOUS_EVENT_ID),
    }
