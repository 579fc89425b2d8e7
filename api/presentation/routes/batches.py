from decimal import Decimal

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.batches import BatchFilter, NewBatch, Origin
from api.domain.fsma.descriptions import ReferenceDocument
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
from api.presentation.schemas.batches import BatchIn, BatchOut, BatchPage, StatusIn, batch_json
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.queries import BatchQuery

bp = Blueprint("batches", url_prefix="/batches")


def _batch_links() -> dict[str, dict[str, object]]:
    """Where a new batch's id leads: every operation that takes it."""
    ids = {"batch_id": "$response.body#/id"}
    return {
        name: {"operationId": op, "parameters": ids, "description": words}
        for name, op, words in (
            ("GetBatch", "batches_get", "Read the batch"),
            ("ChangeStatus", "batches_change_status", "Move the batch to its next status"),
            ("ListTransactions", "transactions_list", "The batch's transactions"),
            ("RecordTransaction", "transactions_record", "Record a transaction for the batch"),
            ("Split", "batches_split", "Split the batch into sub-lots"),
            ("Lineage", "batches_lineage", "The lots around the batch"),
            ("ListEvents", "events_list", "The batch's event chain"),
            ("Epcis", "events_epcis", "The batch's events as an EPCIS 2.0 document"),
            ("Publish", "batches_publish", "Make the batch public"),
        )
    }


@bp.get("/")
@operation(
    Operation(
        id="batches_list",
        summary="List batches",
        description=(
            "The batches the caller may see, newest first: producers their own, auditors and"
            " admins all. The date filters are inclusive UTC dates."
        ),
        tag="batches",
        access=Access.BEARER,
        scope="batches:read",
        query=BatchQuery,
        replies=(Reply(200, "A page of batches", BatchPage),),
    )
)
async def list_batches(request: Request) -> HTTPResponse:
    actor = await current_actor(request)
    q = parse_query(request, BatchQuery)
    filters = BatchFilter(q.status, q.product, q.created_from, q.created_to)
    page = await services(request).batches.list(actor, filters, q.cursor, q.limit)
    return json({"data": [batch_json(b) for b in page.items], "next_cursor": page.next_cursor})


@bp.post("/")
@operation(
    Operation(
        id="batches_create",
        summary="Register a batch",
        description=(
            "Producers register a batch; it starts `registered`. `quantity` is a decimal string"
            " greater than 0, `harvest_date` from 1900 to 2100, `country` ISO 3166-1 alpha-2."
            " `origin_location_id` names one of the organisation's active locations (422"
            " otherwise); `origin` left out is then the location's. `gtin`, the product's GTIN,"
            " needs a right GS1 check digit (422) and is kept as 14 digits."
        ),
        tag="batches",
        access=Access.BEARER,
        scope="batches:write",
        body=BatchIn,
        idempotent=True,
        replies=(
            Reply(201, "The new batch", BatchOut, headers=("Location",), links=_batch_links()),
            error(403, "Only producers register batches"),
            error(409, "A batch with this code exists"),
        ),
    )
)
@idempotent
async def create_batch(request: Request) -> HTTPResponse:
    actor = await current_actor(request)
    body = parse_body(request, BatchIn)
    origin = body.origin
    new = NewBatch(
        product=body.product,
        variety=body.variety,
        origin=Origin(origin.farm, origin.country, origin.region) if origin else None,
        origin_location_id=body.origin_location_id,
        harvest_date=body.harvest_date,
        quantity=Decimal(body.quantity),
        unit=body.unit,
        code=body.code,
        farm_public=body.farm_public,
        publish=body.publish,
        gtin=body.gtin,
    )
    batch = await services(request).batches.create(actor, new, request_context(request))
    location = f"{request.path.rstrip('/')}/{batch.id}"
    return json(batch_json(batch), status=201, headers={"Location": location})


@bp.get("/<batch_id:str>")
@operation(
    Operation(
        id="batches_get",
        summary="Read a batch",
        description="One batch the caller may see.",
        tag="batches",
        access=Access.BEARER,
        scope="batches:read",
        path_ids=("batch_id",),
        replies=(
            Reply(200, "The batch", BatchOut),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def get_batch(request: Request, batch_id: str) -> HTTPResponse:
    batch = await services(request).batches.get(await current_actor(request), parse_id(batch_id))
    return json(batch_json(batch))


@bp.post("/<batch_id:str>/status")
@operation(
    Operation(
        id="batches_change_status",
        summary="Change a batch's status",
        description=(
            "The owner ships a batch (`in_transit`, naming the buyer as `recipient`) or cancels"
            " it; the recipient confirms it `delivered` or `rejected` (with a `reason`)."
            " `recipient` only when shipping and `reason` when rejecting, otherwise 422."
            " Shipping may name `ship_from_location_id`, a location of the owner, and"
            " `ship_to_location_id`, one of the recipient (422 otherwise), and the"
            " `reference_document` it travels under (type and number, for the FSMA 204 records)."
        ),
        tag="batches",
        access=Access.BEARER,
        scope="custody:write",
        path_ids=("batch_id",),
        body=StatusIn,
        idempotent=True,
        replies=(
            Reply(200, "The batch in its new status", BatchOut),
            error(403, "The caller may see the batch but not make this move"),
            error(404, "No such batch for this caller"),
            error(409, "The batch cannot move to that status from its current one"),
            error(
                422,
                "The body breaks the schema, lacks the recipient or reason, or names a location"
                " of another organisation",
            ),
        ),
    )
)
@idempotent
async def change_status(request: Request, batch_id: str) -> HTTPResponse:
    actor = await current_actor(request)
    body = parse_body(request, StatusIn)
    batch = await services(request).batches.change_status(
        actor,
        parse_id(batch_id),
        body.status,
        body.note,
        request_context(request),
        recipient=body.recipient,
        reason=body.reason,
        ship_from=body.ship_from_location_id,
        ship_to=body.ship_to_location_id,
        reference=(
            ReferenceDocument(body.reference_document.type, body.reference_document.number)
            if body.reference_document
            else None
        ),
    )
    return json(batch_json(batch))


@bp.post("/<batch_id:str>/publish")
@operation(
    Operation(
        id="batches_publish",
        summary="Make a batch public",
        description=(
            "The owner makes the batch readable by anyone at its `public_code` (its public page"
            " and QR code) before it is shipped; shipping does so by itself. Publishing a public"
            " batch changes nothing."
        ),
        tag="batches",
        access=Access.BEARER,
        scope="batches:write",
        path_ids=("batch_id",),
        replies=(
            Reply(200, "The batch, public", BatchOut),
            error(403, "The caller may see the batch but does not own it"),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def publish_batch(request: Request, batch_id: str) -> HTTPResponse:
    actor = await current_actor(request)
    batch = await services(request).batches.publish(
        actor, parse_id(batch_id), request_context(request)
    )
    return json(batch_json(batch))
