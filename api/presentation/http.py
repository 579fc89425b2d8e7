"""Turning requests into use-case inputs: bodies, query strings, callers."""

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request

from api.domain.audit import RequestContext
from api.domain.errors import BadRequest, Unauthorized, ValidationFailed
from api.domain.users import Actor
from api.presentation.context import services
from api.presentation.errors import validation_issues
from api.presentation.request_id import request_id

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
    values: Mapping[str, str] = {
        k: v[-1] for k, v in request.args.items() if k in model.model_fields
    }
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise BadRequest("a query parameter is not valid", validation_issues(exc)) from exc


def request_context(request: Request) -> RequestContext:
    return RequestContext(
        request_id=request_id(request),
        ip=request.remote_addr or request.ip or None,
        user_agent=request.headers.get("user-agent"),
    )


def current_actor(request: Request) -> Actor:
    cached: Actor | None = getattr(request.ctx, "actor", None)
    if cached is not None:
        return cached
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an access token as 'Authorization: Bearer <token>'")
    claims = services(request).tokens.verify(token.strip())
    actor = Actor(claims.user_id, claims.role)
    request.ctx.actor = actor
    return actor
