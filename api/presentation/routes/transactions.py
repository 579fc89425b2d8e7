from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.transactions import NewTransaction
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.idempotency import idempotent
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.queries import PageQuery
from api.presentation.schemas.transactions import TransactionIn, TransactionOut, TransactionPage

bp = Blueprint("transactions", url_prefix="/batches/<batch_id:str>/transactions")


@bp.get("/")
@operation(
    Operation(
        id="transactions_list",
        summary="List a batch's transactions",
        description="The blockchain transactions recorded for a batch, newest first.",
        tag="transactions",
        access=Access.BEARER,
        scope="events:read",
        path_ids=("batch_id",),
        query=PageQuery,
        replies=(
            Reply(200, "A page of transactions", TransactionPage),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def list_transactions(request: Request, batch_id: str) -> HTTPResponse:
    actor = await current_actor(request)
    q = parse_query(request, PageQuery)
    page = await services(request).transactions.list(actor, parse_id(batch_id), q.cursor, q.limit)
    data = [TransactionOut.model_validate(t).model_dump(mode="json") for t in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})


@bp.post("/")
@operation(
    Operation(
        id="transactions_record",
        summary="Record a transaction",
        description=(
            "The batch's owner or recipient records a blockchain transaction for it. It anchors"
            " `anchor_hash`, an event of the batch's chain (by default the chain's head); a hash"
            " that is not in this batch's chain is a 422. Idempotent on the transaction hash: a"
            " hash this batch already has answers 200 with the record as first stored."
        ),
        tag="transactions",
        access=Access.BEARER,
        scope="transactions:write",
        path_ids=("batch_id",),
        body=TransactionIn,
        idempotent=True,
        replies=(
            Reply(200, "This hash was already recorded for this batch", TransactionOut),
            Reply(201, "The new transaction", TransactionOut),
            error(403, "The caller may see the batch but not change it"),
            error(404, "No such batch for this caller"),
            error(409, "This hash is recorded for another batch"),
            error(422, "The body breaks the schema, or `anchor_hash` is not in the chain"),
        ),
    )
)
@idempotent
async def record_transaction(request: Request, batch_id: str) -> HTTPResponse:
    actor = await current_actor(request)
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
