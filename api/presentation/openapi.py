"""OpenAPI helpers: pydantic models become named components, referenced from operations."""

from typing import Any

from pydantic import BaseModel
from sanic_ext.extensions.openapi import definitions

SECURED: dict[str, list[str]] = {"bearerAuth": []}


def json_of(model: type[BaseModel]) -> dict[str, Any]:
    # Component() registers the model's JSON Schema (nested models too) and returns a $ref.
    return {"application/json": definitions.Component(model)}


def responses(*pairs: tuple[int, type[BaseModel]]) -> list[definitions.Response]:
    return [definitions.Response(json_of(model), status=status) for status, model in pairs]


def idempotency_key() -> list[Any]:
    return [
        definitions.Parameter(
            "Idempotency-Key",
            str,
            location="header",
            required=False,
            description=(
                "1-255 visible ASCII characters, unique per intended operation. A retry with the "
                "same key and body within 24 h gets the first answer again "
                "(with `Idempotent-Replayed: true`) instead of repeating the work."
            ),
        )
    ]


def query(*names_and_types: tuple[str, type[object]]) -> list[Any]:
    return [definitions.Parameter(name, kind, location="query") for name, kind in names_and_types]
