"""Errors the inner layers raise; the presentation layer maps each code to one HTTP status."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldIssue:
    field: str
    issue: str


@dataclass
class DomainError(Exception):
    message: str
    details: list[FieldIssue] = field(default_factory=list)
    # What a refusal was about, for the audit trail (never shown to the client).
    target_type: str | None = None
    target_id: str | None = None
    code = "error"

    def __str__(self) -> str:
        return self.message


class BadRequest(DomainError):
    code = "bad_request"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Hidden(NotFound):
    """It exists, but not for this caller: answered exactly like NotFound, audited as a denial."""


class InvalidToken(Unauthorized):
    """A token that is not ours (bad signature, unknown key, wrong claims), not merely expired."""


class Conflict(DomainError):
    code = "conflict"


class ValidationFailed(DomainError):
    code = "validation_error"


class Unavailable(DomainError):
    """A dependency (PostgreSQL, Redis) cannot be reached; the client should retry later."""

    code = "unavailable"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Overloaded(Unavailable):
    """Too much work queued (password hashing in a login storm): shed now, retry shortly."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
