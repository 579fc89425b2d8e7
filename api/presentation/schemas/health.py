from typing import Literal

from pydantic import BaseModel, ConfigDict


class LiveOut(BaseModel):
    """The process is up."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Each dependency's check; `checks` is empty while the worker is still starting."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}},
                {"status": "unavailable", "checks": {"postgres": "error", "redis": "ok"}},
            ]
        }
    )

    status: Literal["ok", "unavailable"]
    checks: dict[str, Literal["ok", "error"]]


class JwkOut(BaseModel):
    """An RSA public key (RFC 7517)."""

    model_config = ConfigDict(extra="allow")

    kty: Literal["RSA"]
    kid: str
    alg: Literal["RS256"]
    use: Literal["sig"]
    n: str
    e: str


class JwksOut(BaseModel):
    """Every public key that still verifies access tokens."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "keys": [
                        {
                            "kty": "RSA",
                            "kid": "Vb3x...",
                            "alg": "RS256",
                            "use": "sig",
                            "n": "0vx7...",
                            "e": "AQAB",
                        }
                    ]
                }
            ]
        }
    )

    keys: list[JwkOut]
