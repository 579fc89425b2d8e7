"""An organisation's machine clients, managed by its owners (docs/API.md, "Machine clients").
People only: these routes declare no scope, so no client's token reaches them."""

from sanic import Blueprint, Request, empty, json
from sanic.response import HTTPResponse

from api.domain.clients import AuthMethod, NewClient
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_body, parse_id, request_context
from api.presentation.schemas.clients import (
    ClientIn,
    ClientList,
    ClientOut,
    NewSecretOut,
    client_json,
    new_secret_json,
)
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("clients", url_prefix="/organisations")
CLIENTS = "/<organisation_id:str>/clients"

TAG = "clients"
OWNERS_ONLY = error(403, "Only the organisation's owners manage its clients")
NOT_FOUND = error(404, "No such organisation among the caller's, or no such client in it")
CLIENT_IDS = ("organisation_id", "client_id")


@bp.post(CLIENTS)
@operation(
    Operation(
        id="clients_create",
        summary="Register a machine client",
        description=(
            "Owners register a system of the organisation that calls the API with OAuth 2.0"
            " client credentials, limited to the scopes given. A client_secret_basic client's"
            " first `client_secret` is in this answer only; a private_key_jwt client registers"
            " its public JWK instead."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        body=ClientIn,
        replies=(
            Reply(201, "The new client, with its secret", ClientOut, headers=("Location",)),
            OWNERS_ONLY,
            error(404, "No such organisation among the caller's"),
            error(409, "The organisation has a live client of this name"),
            error(422, "An unknown scope, or a public key missing, unusable or not wanted"),
        ),
    )
)
async def create(request: Request, organisation_id: str) -> HTTPResponse:
    body = parse_body(request, ClientIn)
    new = NewClient(
        body.name,
        frozenset(body.scopes),
        AuthMethod(body.auth_method),
        body.public_key,
        body.rate_limit_per_minute,
    )
    client, secret = await services(request).clients.create(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        new,
        request_context(request),
    )
    location = f"{request.path.rstrip('/')}/{client.id}"
    return json(client_json(client, secret), status=201, headers={"Location": location})


@bp.get(CLIENTS)
@operation(
    Operation(
        id="clients_list",
        summary="An organisation's machine clients",
        description="Every client of the organisation, newest first, revoked ones too (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("organisation_id",),
        replies=(Reply(200, "The clients", ClientList), OWNERS_ONLY, NOT_FOUND),
    )
)
async def list_clients(request: Request, organisation_id: str) -> HTTPResponse:
    found = await services(request).clients.list(
        await current_actor(request), parse_id(organisation_id, "organisation")
    )
    return json({"data": [client_json(c) for c in found]})


@bp.get(CLIENTS + "/<client_id:str>")
@operation(
    Operation(
        id="clients_get",
        summary="Read a machine client",
        description="One client of the organisation, with its live secrets' ids (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=CLIENT_IDS,
        replies=(Reply(200, "The client", ClientOut), OWNERS_ONLY, NOT_FOUND),
    )
)
async def get(request: Request, organisation_id: str, client_id: str) -> HTTPResponse:
    client = await services(request).clients.get(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(client_id, "client"),
    )
    return json(client_json(client))


@bp.post(CLIENTS + "/<client_id:str>/secrets")
@operation(
    Operation(
        id="clients_add_secret",
        summary="Rotate a client's secret",
        description=(
            "A new secret, shown once. Two may be live at a time, so that the client switches"
            " without a gap; with two live, the older one stops working now."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=CLIENT_IDS,
        replies=(
            Reply(201, "The new secret", NewSecretOut),
            OWNERS_ONLY,
            NOT_FOUND,
            error(409, "The client is revoked, or signs with a key and has no secrets"),
        ),
    )
)
async def add_secret(request: Request, organisation_id: str, client_id: str) -> HTTPResponse:
    issued = await services(request).clients.add_secret(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(client_id, "client"),
        request_context(request),
    )
    return json(new_secret_json(issued), status=201)


@bp.delete(CLIENTS + "/<client_id:str>/secrets/<secret_id:str>")
@operation(
    Operation(
        id="clients_delete_secret",
        summary="Delete a client's secret",
        description=(
            "The secret stops working for new tokens at once; tokens already issued with it"
            " run out (revoke the client to stop those too)."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=(*CLIENT_IDS, "secret_id"),
        replies=(
            Reply(204, "Deleted"),
            OWNERS_ONLY,
            error(404, "No such organisation, client or live secret"),
        ),
    )
)
async def delete_secret(
    request: Request, organisation_id: str, client_id: str, secret_id: str
) -> HTTPResponse:
    await services(request).clients.revoke_secret(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(client_id, "client"),
        parse_id(secret_id, "secret"),
        request_context(request),
    )
    return empty()


@bp.post(CLIENTS + "/<client_id:str>/revoke")
@operation(
    Operation(
        id="clients_revoke",
        summary="Revoke a machine client",
        description=(
            "For good: the client's tokens stop working at once and it gets no new ones."
            " Revoking a revoked client changes nothing."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=CLIENT_IDS,
        replies=(Reply(200, "The client, revoked", ClientOut), OWNERS_ONLY, NOT_FOUND),
    )
)
async def revoke(request: Request, organisation_id: str, client_id: str) -> HTTPResponse:
    client = await services(request).clients.revoke(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(client_id, "client"),
        request_context(request),
    )
    return json(client_json(client))
