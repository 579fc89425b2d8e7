from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.domain.transactions import NewTransaction
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
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.queries import PageQuery
from api.presentation.schemas.transactions import TransactionIn, TransactionOut, TransactionPage

bp = Blueprint("transactions", url_prefix="/batches/<batch_id:str>/transactions")


@bp.get("/")
@openapi.definition(
    summary="The blockchain transactions recorded for a batch, newest first",
    secured=SECURED,
    parameter=query(("limit", int), ("cursor", str)),
    response=responses((200, TransactionPage)),
)
async def list_transactions(request: Request, batch_id: str) -> HTTPResponse:
    actor = current_actor(request)
    q = parse_query(request, PageQuery)
    page = await services(request).transactions.list(actor, parse_id(batch_id), q.cursor, q.limit)
    data = [TransactionOut.model_validate(t).model_dump(mode="json") for t in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})


@bp.post("/")
@openapi.definition(
    summary="Record a transaction (owner or recipient); idempotent on the transaction hash",
    description="It anchors `anchor_hash`, an event of the batch's chain (default: the chain's "
    "head); a hash that is not in this batch's chain is a 422.",
    secured=SECURED,
    parameter=idempotency_key(),
    body=json_of(TransactionIn),
    response=responses(
        (201, TransactionOut),
        (200, TransactionOut),
        (403, ErrorOut),
        (404, ErrorOut),
        (409, ErrorOut),
        (422, ErrorOut),
    ),
)
@idempotent
async def record_transaction(request: Request, batch_id: str) -> HTTPResponse:
    actor = current_actor(request)
    body = parse_body(request, TransactionIn)
    new = NewTransaction(
        tx_hash=body.tx_hash,
        network=body.network,
        event_type=body.event_type,
        status=body.status,
        block_number=body.block_number,
        payload_hash=body.payload_hash,
        anchor_hash=body.anchor_hash,
    )
    record, created = await services(request).transactions.record(
        actor, parse_id(batch_id), new, request_context(request)
    )
    out = TransactionOut.model_validate(record).model_dump(mode="json")
    return json(out, status=201 if created else 200)
