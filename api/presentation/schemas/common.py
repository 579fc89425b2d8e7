"""Shared pieces of the HTTP schemas: strict request models and JSON rendering of time."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, StringConstraints


class RequestModel(BaseModel):
    """Request bodies: unknown fields refused, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(max_length=200)] | None


class FieldIssueOut(BaseModel):
    field: str
    issue: str


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str
    details: list[FieldIssueOut] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
