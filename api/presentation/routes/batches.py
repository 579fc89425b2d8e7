from decimal import Decimal

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.domain.batches import BatchFilter, NewBatch, Origin
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.idempotency import idempotent
from api.presentation.openapi import SECURED, idempotency_key, json_of, query, responses
from api.presentation.schemas.batches import BatchIn, BatchOut, BatchPage, StatusIn, batch_json
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.queries import BatchQuery

bp = Blueprint("batches", url_prefix="/batches")


@bp.get("/")
@openapi.definition(
    summary="The batches the caller may see, newest first",
    secured=SECURED,
    parameter=query(
        ("limit", int),
        ("cursor", str),
        ("status", str),
        ("product", str),
        ("created_from", str),
        ("created_to", str),
    ),
    response=responses((200, BatchPage)),
)
async def list_batches(request: Request) -> HTTPResponse:
    actor = current_actor(request)
    q = parse_query(request, BatchQuery)
    filters = BatchFilter(q.status, q.product, q.created_from, q.created_to)
    page = await services(request).batches.list(actor, filters, q.cursor, q.limit)
    return json({"data": [batch_json(b) for b in page.items], "next_cursor": page.next_cursor})


@bp.post("/")
@openapi.definition(
    summary="Register a batch (producers)",
    secured=SECURED,
    parameter=idempotency_key(),
    body=json_of(BatchIn),
    response=responses(
        (201, BatchOut),
        (409, ErrorOut),
        (422, ErrorOut),
    ),
)
@idempotent
async def create_batch(request: Request) -> HTTPResponse:
    actor = current_actor(request)
    body = parse_body(request, BatchIn)
    new = NewBatch(
        product=body.product,
        variety=body.variety,
        origin=Origin(body.origin.farm, body.origin.country, body.origin.region),
        harvest_date=body.harvest_date,
        quantity=Decimal(body.quantity),
        unit=body.unit,
        code=body.code,
        farm_public=body.farm_public,
    )
    batch = await services(request).batches.create(actor, new, request_context(request))
    location = f"{request.path.rstrip('/')}/{batch.id}"
    return json(batch_json(batch), status=201, headers={"Location": location})


@bp.get("/<batch_id:str>")
@openapi.definition(
    summary="One batch",
    secured=SECURED,
    response=responses(
        (200, BatchOut),
        (404, ErrorOut),
    ),
)
async def get_batch(request: Request, batch_id: str) -> HTTPResponse:
    batch = await services(request).batches.get(current_actor(request), parse_id(batch_id))
    return json(batch_json(batch))


@bp.post("/<batch_id:str>/status")
@openapi.definition(
    summary="Move a batch to its next status: the owner ships (naming the buyer) or cancels, "
    "the recipient confirms delivered or rejected",
    secured=SECURED,
    parameter=idempotency_key(),
    body=json_of(StatusIn),
    response=responses(
        (200, BatchOut),
        (403, ErrorOut),
        (404, ErrorOut),
        (409, ErrorOut),
        (422, ErrorOut),
    ),
)
@idempotent
async def change_status(request: Request, batch_id: str) -> HTTPResponse:
    actor = current_actor(request)
    body = parse_body(request, StatusIn)
    batch = await services(request).batches.change_status(
        actor,
        parse_id(batch_id),
        body.status,
        body.note,
        request_context(request),
        recipient=body.recipient,
        reason=body.reason,
    )
    return json(batch_json(batch))
