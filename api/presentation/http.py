"""Turning requests into use-case inputs: bodies, query strings, callers."""

from collections.abc import Mapping
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from sanic import Request

from api.application.ports import AccessClaims
from api.domain.audit import RequestContext
from api.domain.errors import BadRequest, DomainError, Unauthorized, ValidationFailed
from api.domain.users import Actor
from api.presentation.client_address import client_ip
from api.presentation.errors import validation_issues
from api.presentation.request_id import client_request_id, server_request_id

M = TypeVar("M", bound=BaseModel)


class UnsupportedMediaType(BadRequest):
    code = "unsupported_media_type"


def parse_body(request: Request, model: type[M]) -> M:
    """Malformed JSON is a 400, a non-JSON body a 415, a schema violation a 422."""
    content_type = request.headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return model.model_validate_json(request.body or b"")
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise BadRequest("request body is not valid JSON") from exc
        raise ValidationFailed("request body is not valid", validation_issues(exc)) from exc


def parse_query(request: Request, model: type[M]) -> M:
    """Query strings are text: coerce, and answer 400 (not 422) when a parameter is wrong."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    values: Mapping[str, str] = {k: v[-1] for k, v in request.args.items() if k in names}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise BadRequest("a query parameter is not valid", validation_issues(exc)) from exc


def request_context(request: Request) -> RequestContext:
    return RequestContext(
        request_id=server_request_id(request),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        client_request_id=client_request_id(request),
    )


def current_claims(request: Request) -> AccessClaims:
    """The caller's verified, unrevoked token, as the guard middleware left it."""
    if not getattr(request.ctx, "guarded", False):
        raise RuntimeError(f"{request.path} is authenticated but not guarded")
    error: DomainError | None = getattr(request.ctx, "claims_error", None)
    if error is not None:
        raise error
    claims: AccessClaims | None = getattr(request.ctx, "claims", None)
    if claims is None:
        raise Unauthorized("send an access token as 'Authorization: Bearer <token>'")
    return claims


def current_actor(request: Request) -> Actor:
    claims = current_claims(request)
    return Actor(claims.user_id, claims.role)


def parse_id(value: str, kind: str = "batch") -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise BadRequest(f"{kind} id '{value[:64]}' is not a UUID") from exc
