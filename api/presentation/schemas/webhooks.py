"""Webhook subscriptions, their delivery log and replays on the wire."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from api.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.domain.webhooks import (
    MAX_URL_LENGTH,
    SUBSCRIBABLE,
    URL_PATTERN,
    Delivery,
    Subscription,
)
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime, rfc3339
from api.presentation.schemas.fields import DateTime, Text200

WEBHOOK_ID = "4f3e2d1c-0b9a-4c8d-9e7f-6a5b4c3d2e1f"
ORGANISATION_ID = "7a1c9e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d"
SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - the specification's example
WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": WEBHOOK_ID,
    "organisation_id": ORGANISATION_ID,
    "url": "https://erp.partner.example/agrobridge/webhooks",
    "event_types": ["batch.delivered", "batch.rejected"],
    "description": "ERP: receipts",
    "state": "active",
    "disabled_reason": None,
    "created_by": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "created_at": "2026-10-01T12:00:00Z",
    "updated_at": "2026-10-01T12:00:00Z",
    "previous_secret_expires_at": None,
}


def _event_type(value: str) -> str:
    if value not in SUBSCRIBABLE:
        raise ValueError(f"unknown event type; one of {', '.join(SUBSCRIBABLE)}")
    return value


EventTypeName = Annotated[
    str, AfterValidator(_event_type), WithJsonSchema({"type": "string", "enum": list(SUBSCRIBABLE)})
]
# The URL's own rules (https, a valid host, no credentials, no local address) are the use case's:
# a 422 names what is wrong. Here only its size and its characters.
WebhookUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH, pattern=URL_PATTERN)
]


class WebhookIn(RequestModel):
    """A new endpoint of the caller's organisation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.partner.example/agrobridge/webhooks",
                    "event_types": ["batch.delivered", "batch.rejected"],
                    "description": "ERP: receipts",
                }
            ]
        }
    )

    url: Annotated[WebhookUrl, Field(description="An https:// URL on a public address.")]
    event_types: Annotated[list[EventTypeName], Field(min_length=1, max_length=len(SUBSCRIBABLE))]
    description: Text200 | None = None


class WebhookOut(ResponseModel):
    """A webhook subscription; `secret` only in the answers that create or rotate it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**WEBHOOK_EXAMPLE, "secret": SECRET_EXAMPLE}]}
    )

    id: UUID
    organisation_id: UUID
    url: str
    event_types: list[str]
    description: str | None
    state: Literal["active", "paused", "disabled"]
    disabled_reason: str | None
    created_by: UUID
    created_at: UtcDatetime
    updated_at: UtcDatetime
    previous_secret_expires_at: UtcDatetime | None = Field(
        description="After a rotation: the replaced secret signs too until then."
    )
    secret: str | None = Field(
        default=None, description="The signing secret (`whsec_...`): shown once."
    )


class WebhookList(ResponseModel):
    """The organisation's webhooks, oldest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [WEBHOOK_EXAMPLE]}]})

    data: list[WebhookOut]


class DeliveryOut(ResponseModel):
    """One event for the endpoint: its message id (`webhook-id`), and what came of it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4711,
                    "message_id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                    "event_type": "batch.delivered",
                    "batch_id": "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                    "state": "pending",
                    "attempts": 2,
                    "created_at": "2026-10-02T08:00:00Z",
                    "next_attempt_at": "2026-10-02T08:00:30Z",
                    "last_attempt_at": "2026-10-02T08:00:10Z",
                    "last_status": 503,
                    "last_error": "answered 503",
                    "delivered_at": None,
                }
            ]
        }
    )

    id: int
    message_id: str
    event_type: str
    batch_id: UUID
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: UtcDatetime
    next_attempt_at: UtcDatetime | None
    last_attempt_at: UtcDatetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: UtcDatetime | None


class DeliveryPage(BaseModel):
    """A page of the delivery log, newest first; pass `next_cursor` as `cursor` for more."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "id": 4711,
                            "message_id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                            "event_type": "batch.delivered",
                            "batch_id": "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                            "state": "delivered",
                            "attempts": 1,
                            "created_at": "2026-10-02T08:00:00Z",
                            "next_attempt_at": None,
                            "last_attempt_at": "2026-10-02T08:00:00Z",
                            "last_status": 204,
                            "last_error": None,
                            "delivered_at": "2026-10-02T08:00:00Z",
                        }
                    ],
                    "next_cursor": "4711",
                }
            ]
        }
    )

    data: list[DeliveryOut]
    next_cursor: str | None


class DeliveryQuery(BaseModel):
    """Paging of the delivery log: `limit`, and the `next_cursor` of the page before."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")] = (
        DEFAULT_LIMIT
    )
    cursor: Annotated[
        str | None,
        StringConstraints(pattern="^[0-9]{1,18}$"),
        Field(description="`next_cursor` of the previous page."),
    ] = None


class ReplayIn(RequestModel):
    """The events to send again: those that happened in [since, until)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"since": "2026-10-01T00:00:00Z", "until": "2026-10-02T00:00:00Z"}]
        }
    )

    since: DateTime
    until: DateTime


class ReplayOut(ResponseModel):
    """How many deliveries the replay queued."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"queued": 42}]})

    queued: int


def webhook_json(subscription: Subscription, secret: str | None = None) -> dict[str, object]:
    s = subscription
    found: dict[str, object] = {
        "id": str(s.id),
        "organisation_id": str(s.organisation_id),
        "url": s.url,
        "event_types": list(s.event_types),
        "description": s.description,
        "state": s.state.value,
        "disabled_reason": s.disabled_reason,
        "created_by": str(s.created_by),
        "created_at": rfc3339(s.created_at),
        "updated_at": rfc3339(s.updated_at),
        "previous_secret_expires_at": (
            rfc3339(s.previous_secret_expires_at) if s.previous_secret_expires_at else None
        ),
    }
    if secret is not None:
        found["secret"] = secret
    return found


def _time(value: datetime | None) -> str | None:
    return rfc3339(value) if isinstance(value, datetime) else None


def delivery_json(delivery: Delivery) -> dict[str, object]:
    d = delivery
    return {
        "id": d.id,
        "message_id": d.message_id,
        "event_type": d.event_type,
        "batch_id": str(d.batch_id),
        "state": d.state.value,
        "attempts": d.attempts,
        "created_at": rfc3339(d.created_at),
        "next_attempt_at": _time(d.next_attempt_at),
        "last_attempt_at": _time(d.last_attempt_at),
        "last_status": d.last_status,
        "last_error": d.last_error,
        "delivered_at": _time(d.delivered_at),
    }
