"""Machine clients: an organisation's systems calling the API without a person, with OAuth 2.0
client credentials (RFC 6749 section 4.4), limited to the scopes their owners grant."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from api.domain.errors import FieldIssue, ValidationFailed

# What each scope lets a client do (docs/security.md, "Machine clients").
SCOPES = {
    "batches:read": "List and read the organisation's batches and their lineage",
    "batches:write": "Register, split and publish batches",
    "custody:write": "Move batches through custody: ship, deliver, reject, cancel",
    "events:read": "Read batches' event chains, transaction records and FSMA 204 records",
    "transactions:write": "Record blockchain transactions for batches",
    "locations:read": "Read the organisation's locations",
    "locations:write": "Add and change the organisation's locations",
    "events:capture": "Capture EPCIS events about lots the organisation holds",
}
# A client whose secret is being rotated keeps the old one working until the new one is in use.
MAX_LIVE_SECRETS = 2


class AuthMethod(StrEnum):
    """How a client proves who it is at the token endpoint."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - the method's name
    PRIVATE_KEY_JWT = "private_key_jwt"


@dataclass(frozen=True)
class ClientSecret:
    id: UUID
    client_id: UUID
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class NewClient:
    name: str
    scopes: frozenset[str]
    auth_method: AuthMethod
    # The public JWK a private_key_jwt client signs its assertions with.
    public_key: dict[str, object] | None = None
    rate_limit_per_minute: int | None = None


@dataclass(frozen=True)
class ApiClient:
    id: UUID
    organisation_id: UUID
    name: str
    scopes: frozenset[str]
    auth_method: AuthMethod
    # In canonical form: only the members that name the key.
    public_key: dict[str, object] | None
    rate_limit_per_minute: int | None
    created_by: UUID
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None
    # Its live secrets, oldest first (client_secret_basic only).
    secrets: tuple[ClientSecret, ...] = field(default=())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def check_new_client(new: NewClient) -> None:
    """The rules a client's registration must meet besides its fields' own."""
    issues = [FieldIssue("scopes", f"unknown scope {s}") for s in sorted(new.scopes - set(SCOPES))]
    if not new.scopes:
        issues.append(FieldIssue("scopes", "at least one scope is needed"))
    if new.auth_method is AuthMethod.PRIVATE_KEY_JWT and new.public_key is None:
        issues.append(FieldIssue("public_key", "private_key_jwt needs the client's public JWK"))
    if new.auth_method is AuthMethod.CLIENT_SECRET_BASIC and new.public_key is not None:
        issues.append(FieldIssue("public_key", "only private_key_jwt clients register a key"))
    if issues:
        raise ValidationFailed("the client is not acceptable", issues)


def granted_scopes(client: ApiClient, requested: str | None) -> frozenset[str] | None:
    """The scopes a token request gets: all the client's when it names none, else the ones it
    names, if the client has each of them (None otherwise)."""
    if requested is None or not requested.strip(" "):
        return client.scopes
    names = frozenset(requested.split())
    return names if names <= client.scopes else None
