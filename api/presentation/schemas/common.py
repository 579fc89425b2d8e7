"""Shared pieces of the HTTP schemas: strict request models, JSON time, the error shape."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema


class RequestModel(BaseModel):
    """Request bodies: unknown fields refused, no silent type coercion. Text fields say
    themselves what they accept (schemas/fields.py)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[
    datetime,
    PlainSerializer(rfc3339, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

# Every error code the API answers with, and its status (docs/API.md, "Errors").
ERROR_CODES = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validation_error": 422,
    "rate_limited": 429,
    "internal_error": 500,
    "unavailable": 503,
    # The token endpoint's (RFC 6749 section 5.2).
    "invalid_request": 400,
    "invalid_client": 401,
    "invalid_scope": 400,
    "unsupported_grant_type": 400,
}
ErrorCode = Literal[
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "request_timeout",
    "conflict",
    "payload_too_large",
    "unsupported_media_type",
    "validation_error",
    "rate_limited",
    "internal_error",
    "unavailable",
    "invalid_request",
    "invalid_client",
    "invalid_scope",
    "unsupported_grant_type",
]


class FieldIssueOut(BaseModel):
    """One field of the request and what is wrong with it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"field": "origin.country", "issue": "unknown code"}]}
    )

    field: str
    issue: str


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a message for people, the request's id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "not_found", "message": "no such batch", "request_id": "a1b2"}]
        }
    )

    code: ErrorCode
    message: str
    request_id: str
    details: list[FieldIssueOut] | None = None


class ErrorOut(BaseModel):
    """Every error has this shape, whatever produced it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "validation_error",
                        "message": "request body is not valid",
                        "request_id": "4f9c2a",
                        "details": [{"field": "origin.country", "issue": "unknown code"}],
                    }
                }
            ]
        }
    )

    error: ErrorBody
