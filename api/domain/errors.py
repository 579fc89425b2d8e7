"""Errors the inner layers raise, by kind; the presentation layer maps each class to one HTTP
status and error code (api/presentation/errors.py)."""

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

    def __str__(self) -> str:
        return self.message


class MalformedInput(DomainError):
    """The input cannot be used as given."""


class NotAuthenticated(DomainError):
    """The caller is not who they must be: no, a bad or an expired credential."""


class NotPermitted(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """No such thing."""


class Hidden(NotFound):
    """It exists, but not for this caller: answered exactly like NotFound, audited as a denial."""


class InvalidToken(NotAuthenticated):
    """A token that is not ours (bad signature, unknown key, wrong claims), not merely expired."""


class Conflict(DomainError):
    """It clashes with the current state."""


class ValidationFailed(DomainError):
    """Well-formed input that breaks the rules; `details` names the fields."""


class Unavailable(DomainError):
    """A dependency (PostgreSQL, Redis) cannot be reached; the client should retry later."""


class Throttled(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Overloaded(Unavailable):
    """Too much work queued (password hashing in a login storm): shed now, retry shortly."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


# The token endpoint answers RFC 6749's own error codes (section 5.2), in our error shape.


class InvalidClient(NotAuthenticated):
    """invalid_client: unknown, revoked or wrong credentials, or no supported client
    authentication; one message for all, so that a caller cannot tell which."""


class InvalidRequest(MalformedInput):
    """invalid_request: a parameter missing, repeated or malformed."""


class InvalidScope(MalformedInput):
    """invalid_scope: a scope the client does not have."""


class UnsupportedGrantType(MalformedInput):
    """unsupported_grant_type: anything but client_credentials."""
