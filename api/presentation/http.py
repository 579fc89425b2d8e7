"""Turning requests into use-case inputs: bodies, query strings, callers."""

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError
from sanic import Request

from api.application.ports import AccessClaims
from api.domain.audit import RequestContext
from api.domain.errors import MalformedInput, ValidationFailed
from api.domain.users import Actor
from api.presentation.client_address import client_ip
from api.presentation.context import services
from api.presentation.errors import UnsupportedMediaType, validation_issues
from api.presentation.request_id import client_request_id, server_request_id
from api.presentation.schemas.fields import UUID_RE

M = TypeVar("M", bound=BaseModel)


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
            raise MalformedInput("request body is not valid JSON") from exc
        raise ValidationFailed("request body is not valid", validation_issues(exc)) from exc


def parse_query(request: Request, model: type[M]) -> M:
    """Query strings are text: coerce, and answer 400 (not 422) when a parameter is wrong."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    try:
        # Blank values are values (`?product=` is not "no filter"); invalid UTF-8 is refused.
        args = request.get_args(keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput("the query string is not valid UTF-8") from exc
    values: Mapping[str, str] = {k: v[-1] for k, v in args.items() if k in names}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise MalformedInput("a query parameter is not valid", validation_issues(exc)) from exc


def request_context(request: Request) -> RequestContext:
    claims: AccessClaims | None = getattr(request.ctx, "caller", None)
    context = RequestContext(
        request_id=server_request_id(request),
        ip=client_ip(request),
        user_agent=header_text(request, "user-agent"),
        client_request_id=client_request_id(request),
    )
    if claims is None:
        return context
    client = claims.client_name is not None
    return replace(
        context,
        organisation_id=claims.organisation_id or claims.user_id,
        client_id=claims.user_id if client else None,
        client_name=claims.client_name,
    )


def header_text(request: Request, name: str) -> str | None:
    """A header kept in the database: valid UTF-8 without control characters, else a 400."""
    value: str | None = request.headers.get(name)
    if value is None:
        return None
    # Sanic decodes header bytes as UTF-8 with surrogateescape: a surrogate is an invalid byte.
    if any(c < " " or "\x7f" <= c <= "\x9f" or "\ud800" <= c <= "\udfff" for c in value):
        raise MalformedInput(f"the {name} header is not valid UTF-8 text")
    return value[:512]


def current_claims(request: Request) -> AccessClaims:
    """The caller's verified, unrevoked token: the guard middleware accepted it before the
    handler ran, on a route whose declared access requires one."""
    claims: AccessClaims | None = getattr(request.ctx, "caller", None)
    if claims is None:
        raise RuntimeError(f"{request.path} reads its caller but its route needs no token")
    return claims


async def current_actor(request: Request) -> Actor:
    """The caller as the use cases see them: a person with their role in the organisation
    they act for now, or a machine client; read once per request (the role from the guard's
    round trip when it was kept)."""
    actor: Actor | None = getattr(request.ctx, "actor", None)
    if actor is None:
        actor = request.ctx.actor = await services(request).organisations.actor(
            current_claims(request), getattr(request.ctx, "member_role", None)
        )
    return actor


def parse_id(value: str, kind: str = "batch") -> UUID:
    if not UUID_RE.fullmatch(value):
        raise MalformedInput(f"{kind} id is not a UUID")
    return UUID(value)
