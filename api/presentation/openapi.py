"""The OpenAPI 3.1 document, built from what each route declares next to its handler
(`schemas/operations.py`). Paths and components come out sorted: every worker serves the same
bytes."""

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw

from api.domain.clients import SCOPES
from api.presentation.routes.oauth import FORM, TOKEN_PATH
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.operations import (
    COMMON_HEADERS,
    HEADERS,
    IDEMPOTENCY_KEY,
    STANDARD_ERRORS,
    UUID_PATTERN,
    Operation,
    Reply,
    declared,
    error_codes_text,
)

SCHEMA_REF = "#/components/schemas/{model}"
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
# Routes outside the published contract: internal ones (docs/API.md: "Internal") and the HTML
# page a person reaches by scanning a label, whose data is `public_batch`'s.
UNDOCUMENTED = frozenset({"/metrics", "/docs", "/docs/openapi.json", "/verify/{code}"})


def template(route_path: str) -> str:
    """`api/v1/batches/<batch_id:str>` -> `/api/v1/batches/{batch_id}`."""
    parts = []
    for part in route_path.strip("/").split("/"):
        if part.startswith("<") and part.endswith(">"):
            part = "{" + part[1:-1].split(":", 1)[0] + "}"
        parts.append(part)
    return "/" + "/".join(parts)


def routes(app: Sanic) -> list[tuple[str, str, Any]]:  # type: ignore[type-arg]
    """(path template, method, handler) of every route, once each, in a stable order."""
    seen: dict[tuple[str, str], Any] = {}
    for route in app.router.routes:
        path = template(route.path)
        for method in route.methods:
            if method.lower() in METHOD_ORDER:
                seen.setdefault((path, method.lower()), route.handler)
    return [(p, m, h) for (p, m), h in sorted(seen.items(), key=_route_order)]


def _route_order(item: tuple[tuple[str, str], Any]) -> tuple[str, int]:
    (path, method), _ = item
    return path, METHOD_ORDER.index(method)


def build(app: Sanic, title: str, version: str, description: str) -> dict[str, Any]:  # type: ignore[type-arg]
    operations = [(p, m, declared(h)) for p, m, h in routes(app) if p not in UNDOCUMENTED]
    missing = [f"{m.upper()} {p}" for p, m, op in operations if op is None]
    if missing:
        raise RuntimeError(f"routes without an OpenAPI declaration: {', '.join(missing)}")
    ops = [(p, m, op) for p, m, op in operations if op is not None]
    schemas = _components(ops)
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in ops:
        paths.setdefault(path, {})[method] = _operation(op)
    tags = sorted({op.tag for _, _, op in ops})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/", "description": "this server"}],
        "tags": [{"name": t, "description": TAG_DESCRIPTIONS.get(t, t)} for t in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                STANDARD_NAMES[status]: _response(STANDARD_ERRORS[status])
                for status in sorted(STANDARD_ERRORS)
            },
            "headers": {name: HEADERS[name] for name in sorted(HEADERS)},
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from POST /api/v1/auth/login or /refresh.",
                },
                "oauth2": {
                    "type": "oauth2",
                    "description": (
                        "A machine client's access token (client credentials grant), sent as"
                        " a bearer token; an operation lists the scope it needs."
                    ),
                    "flows": {
                        "clientCredentials": {"tokenUrl": TOKEN_PATH, "scopes": dict(SCOPES)}
                    },
                },
                "clientSecretBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": (
                        "A machine client's id and secret (client_secret_basic), each"
                        " form-urlencoded, at the token endpoint only."
                    ),
                },
            },
        },
    }


STANDARD_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "RateLimited",
    503: "Unavailable",
}
TAG_DESCRIPTIONS = {
    "health": "Liveness and readiness probes.",
    "auth": "Accounts, tokens and sessions.",
    "batches": "Batches (lots) and their statuses.",
    "transactions": "Blockchain transactions that anchor a batch's events.",
    "events": "A batch's hash-chained history, verified on every read.",
    "public": "What anyone holding a product may read by its batch code: no token.",
    "users": "Account administration (admins).",
    "organisations": "Companies, their members and invitations.",
    "locations": "An organisation's sites: farms, fields, packhouses, warehouses, stores.",
    "audit": "The security audit trail.",
    "keys": "Public keys that verify access tokens.",
    "clients": "Machine clients: an organisation's systems, with OAuth 2.0 client credentials.",
    "webhooks": "Signed notices of what happened to an organisation's lots, sent to its endpoints.",
}


def _models(ops: Iterable[tuple[str, str, Operation]]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorOut": ErrorOut}
    for _, _, op in ops:
        for model in [op.body, op.query, *(r.model for r in op.all_replies())]:
            if model is not None:
                found[model.__name__] = model
    return [found[name] for name in sorted(found)]


def _components(ops: list[tuple[str, str, Operation]]) -> dict[str, Any]:
    # Query models are here for the enums their parameters refer to.
    inputs = {m for _, _, op in ops for m in (op.body, op.query) if m is not None}
    pairs = [(m, "validation" if m in inputs else "serialization") for m in _models(ops)]
    _, top = models_json_schema(pairs, ref_template=SCHEMA_REF)  # type: ignore[arg-type]
    defs: dict[str, Any] = top.get("$defs", {})
    return {name: defs[name] for name in sorted(defs)}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _operation(op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
    }
    parameters = [_path_parameter(name) for name in op.path_ids]
    parameters += [
        {"name": p.name, "in": "path", "required": True, "description": p.description}
        | {"schema": p.schema}
        for p in op.path_params
    ]
    parameters += list(op.header_params)
    if op.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if op.query is not None:
        parameters += query_parameters(op.query)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        body: dict[str, Any] = {"schema": _ref(op.body)}
        examples = _examples(op.body)
        if examples:
            body["example"] = examples[0]
        # A form route's JSON twin is said in words: two media types for one body make
        # generated clients fail to import (openapi-python-client 0.29).
        media = {FORM: body} if op.form else {"application/json": body}
        out["requestBody"] = {
            "required": op.body_required,
            "description": (op.body.__doc__ or "").strip(),
            "content": media,
        }
    out["responses"] = {str(r.status): _response_or_ref(r) for r in op.all_replies()}
    out["security"] = _security(op)
    return out


def _security(op: Operation) -> list[dict[str, list[str]]]:
    """A person's token, or a machine client's with the operation's scope."""
    if op.security is not None:
        return [dict(requirement) for requirement in op.security]
    if not op.access.needs_token:
        return []
    people: list[dict[str, list[str]]] = [{"bearerAuth": []}]
    return [*people, {"oauth2": [op.scope]}] if op.scope else people


def _examples(model: type[BaseModel]) -> list[Any]:
    extra = model.model_config.get("json_schema_extra")
    found = extra.get("examples") if isinstance(extra, dict) else None
    return list(found) if isinstance(found, list) else []


def _response_or_ref(reply: Reply) -> dict[str, Any]:
    name = STANDARD_NAMES.get(reply.status)
    if name is not None and reply is STANDARD_ERRORS[reply.status]:
        return {"$ref": f"#/components/responses/{name}"}
    return _response(reply)


def _response(reply: Reply) -> dict[str, Any]:
    description = reply.description
    if reply.model is ErrorOut:
        description = f"{description} ({error_codes_text(reply.status)})"
    out: dict[str, Any] = {"description": description}
    names = [*COMMON_HEADERS, *reply.headers]
    out["headers"] = {n: {"$ref": f"#/components/headers/{n}"} for n in names}
    if reply.model is not None:
        media: dict[str, Any] = {"schema": _ref(reply.model)}
        if reply.example is not None:
            media["example"] = reply.example
        out["content"] = {reply.media: media}
    elif reply.schema is not None:
        out["content"] = {reply.media: {"schema": reply.schema}}
    for media_type, schema in reply.other_media:
        out.setdefault("content", {})[media_type] = {"schema": schema}
    if reply.links:
        out["links"] = reply.links
    return out


def _path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {name.removesuffix('_id')}'s id (a UUID).",
        "schema": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
    }


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=SCHEMA_REF, by_alias=True)
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        out.append(
            {
                "name": name,
                "in": "query",
                "required": name in schema.get("required", ()),
                "description": description,
                "schema": prop,
            }
        )
    return out


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """Query parameters are absent rather than null: drop the null branch of an optional."""
    branches = [b for b in prop.get("anyOf", ()) if b != {"type": "null"}]
    if len(branches) != 1:
        return dict(prop)
    merged = {k: v for k, v in prop.items() if k != "anyOf" and (k, v) != ("default", None)}
    return {**branches[0], **merged}


def serve(title: str, version: str, description: str) -> Callable[[Request], Any]:
    """A handler serving the document; built on first use, then the same bytes every time."""
    cached: list[bytes] = []

    async def openapi_json(request: Request) -> HTTPResponse:
        if not cached:
            document = build(request.app, title, version, description)
            cached.append(orjson.dumps(document))
        return raw(cached[0], content_type="application/json")

    return openapi_json
