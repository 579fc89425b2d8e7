"""Machine clients, their secrets and their tokens on the wire."""

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from api.application.clients import IssuedSecret
from api.domain.clients import SCOPES, ApiClient, ClientSecret
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime, rfc3339
from api.presentation.schemas.fields import Text100

CLIENT_ID = "3b9e4c1a-7d2f-4e8b-9a6c-5f1d2e3c4b5a"
SECRET_ID = "8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f"  # noqa: S105 - an example id
MAX_PER_MINUTE = 1_000_000


def _scope(value: str) -> str:
    if value not in SCOPES:
        raise ValueError(f"unknown scope; one of {', '.join(SCOPES)}")
    return value


Scope = Annotated[str, AfterValidator(_scope), WithJsonSchema({"enum": list(SCOPES)})]


def _per_minute(value: object) -> int:
    # JSON Schema counts 600.0 as an integer; so does the server. true and "600" are not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("must be a whole number")
    if not 1 <= value <= MAX_PER_MINUTE:
        raise ValueError(f"must be from 1 to {MAX_PER_MINUTE}")
    return value


PerMinute = Annotated[
    int,
    PlainValidator(_per_minute),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PER_MINUTE}),
]
AuthMethodName = Literal["client_secret_basic", "private_key_jwt"]


class ClientIn(RequestModel):
    """A new machine client of the organisation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "warehouse-scanner",
                    "scopes": ["batches:read", "custody:write"],
                    "auth_method": "client_secret_basic",
                    "rate_limit_per_minute": 120,
                }
            ]
        }
    )

    name: Annotated[Text100, Field(description="Unique among the organisation's live clients.")]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(SCOPES))]
    auth_method: AuthMethodName
    public_key: Annotated[
        dict[str, Any] | None,
        Field(
            description=(
                "The public JWK (RSA of 2048 bits or more, or EC on P-256) a private_key_jwt"
                " client signs its assertions with; required for that method, refused otherwise."
            )
        ),
    ] = None
    rate_limit_per_minute: Annotated[
        PerMinute | None,
        Field(description="Requests a minute for this client; the server's default otherwise."),
    ] = None


class SecretOut(ResponseModel):
    """One of a client's live secrets; the secret itself only in the answer that made it."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": SECRET_ID, "created_at": "2026-10-01T12:00:00Z"}]}
    )

    id: UUID
    created_at: UtcDatetime


class ClientOut(ResponseModel):
    """A machine client; `client_secret` only in the answer that created it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": CLIENT_ID,
                    "organisation_id": "7a1c9e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d",
                    "name": "warehouse-scanner",
                    "scopes": ["batches:read", "custody:write"],
                    "auth_method": "client_secret_basic",
                    "public_key": None,
                    "rate_limit_per_minute": 120,
                    "created_by": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
                    "created_at": "2026-10-01T12:00:00Z",
                    "updated_at": "2026-10-01T12:00:00Z",
                    "revoked_at": None,
                    "secrets": [{"id": SECRET_ID, "created_at": "2026-10-01T12:00:00Z"}],
                    "client_secret": "Jx9...q4",
                }
            ]
        }
    )

    client_id: UUID
    organisation_id: UUID
    name: str
    scopes: list[str]
    auth_method: AuthMethodName
    public_key: dict[str, Any] | None
    rate_limit_per_minute: int | None
    created_by: UUID
    created_at: UtcDatetime
    updated_at: UtcDatetime
    revoked_at: UtcDatetime | None
    secrets: list[SecretOut] = Field(description="Its live secrets, oldest first.")
    client_secret: str | None = Field(
        default=None, description="The first secret (client_secret_basic): shown once."
    )


class ClientList(ResponseModel):
    """The organisation's machine clients, newest first, revoked ones too."""

    data: list[ClientOut]


class NewSecretOut(ResponseModel):
    """A client's new secret, shown once, and the one it retired (at most two stay live)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": SECRET_ID,
                    "client_id": CLIENT_ID,
                    "created_at": "2026-10-02T12:00:00Z",
                    "client_secret": "Qm2...z8",
                    "retired_secret_id": None,
                }
            ]
        }
    )

    id: UUID
    client_id: UUID
    created_at: UtcDatetime
    client_secret: str
    retired_secret_id: UUID | None


class TokenRequestIn(BaseModel):
    """An OAuth 2.0 token request (RFC 6749 section 4.4), as a form or as JSON; the client
    authenticates with HTTP Basic (client_secret_basic) or a client assertion (RFC 7523,
    private_key_jwt). Parameters the server does not know are ignored, as RFC 6749 asks."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"grant_type": "client_credentials"}]}
    )

    grant_type: Literal["client_credentials"]
    scope: str | None = Field(
        default=None,
        description="Space-separated scopes, a subset of the client's; all of them if absent.",
    )
    client_id: str | None = Field(default=None, description="With a client assertion: its `sub`.")
    client_assertion_type: (
        Literal["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"] | None
    ) = None
    client_assertion: str | None = Field(
        default=None,
        description=(
            "A JWT the client signed with its registered key: `iss` and `sub` its client id,"
            " `aud` the token endpoint's URL, `exp` at most 5 minutes ahead, a unique `jti`."
        ),
    )


class ClientTokenOut(ResponseModel):
    """A machine client's access token (RFC 6749 section 5.1); no refresh token: the client
    asks for a new one with its credentials."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJSUzI1NiIs...",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "scope": "batches:read custody:write",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int
    scope: str


def secret_json(secret: ClientSecret) -> dict[str, object]:
    return {"id": str(secret.id), "created_at": rfc3339(secret.created_at)}


def client_json(client: ApiClient, secret: str | None = None) -> dict[str, object]:
    found: dict[str, object] = {
        "client_id": str(client.id),
        "organisation_id": str(client.organisation_id),
        "name": client.name,
        "scopes": sorted(client.scopes),
        "auth_method": client.auth_method.value,
        "public_key": client.public_key,
        "rate_limit_per_minute": client.rate_limit_per_minute,
        "created_by": str(client.created_by),
        "created_at": rfc3339(client.created_at),
        "updated_at": rfc3339(client.updated_at),
        "revoked_at": rfc3339(client.revoked_at) if client.revoked_at else None,
        "secrets": [secret_json(s) for s in client.secrets],
    }
    if secret is not None:
        found["client_secret"] = secret
    return found


def new_secret_json(issued: IssuedSecret) -> dict[str, object]:
    return {
        **secret_json(issued.secret),
        "client_id": str(issued.secret.client_id),
        "client_secret": issued.value,
        "retired_secret_id": str(issued.retired.id) if issued.retired else None,
    }
