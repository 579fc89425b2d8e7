from decimal import Decimal

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.application.lineage import Part
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_body, parse_id, request_context
from api.presentation.idempotency import idempotent
from api.presentation.schemas.batches import SplitIn, SplitOut, batch_json
from api.presentation.schemas.lineage import LineageOut, lineage_json
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("lineage", url_prefix="/batches/<batch_id:str>")


@bp.post("/split")
@operation(
    Operation(
        id="batches_split",
        summary="Split a batch",
        description=(
            "Its holder splits a batch into sub-lots of the same product, whose quantities add up"
            " to the batch's exactly (otherwise 422); the batch becomes `split`. `kind` says"
            " why: `divide` (the default: parted to ship or sell apart, the sub-lots keep the"
            " lot's FSMA 204 lot code) or `repack` (new lots, a transformation); each sub-lot's"
            " `split_kind` records it."
        ),
        tag="batches",
        access=Access.BEARER,
        scope="batches:write",
        path_ids=("batch_id",),
        body=SplitIn,
        idempotent=True,
        replies=(
            Reply(201, "The split batch and its sub-lots", SplitOut),
            error(403, "The caller may see the batch but does not hold it"),
            error(404, "No such batch for this caller"),
            error(409, "The batch cannot be split in its status, or a code is taken"),
            error(422, "The body breaks the schema, or the quantities do not add up"),
        ),
    )
)
@idempotent
async def split(request: Request, batch_id: str) -> HTTPResponse:
    actor = await current_actor(request)
    body = parse_body(request, SplitIn)
    parts = [Part(Decimal(p.quantity), p.code) for p in body.parts]
    parent, children = await services(request).lots.split(
        actor, parse_id(batch_id), parts, request_context(request), body.kind
    )
    out = {"parent": batch_json(parent), "children": [batch_json(c) for c in children]}
    return json(out, status=201)


@bp.get("/lineage")
@operation(
    Operation(
        id="batches_lineage",
        summary="A batch's lineage",
        description="The lots the batch was split from and the sub-lots split from it.",
        tag="batches",
        access=Access.BEARER,
        scope="batches:read",
        path_ids=("batch_id",),
        replies=(
            Reply(200, "The batch, its ancestors and its descendants", LineageOut),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def lineage(request: Request, batch_id: str) -> HTTPResponse:
    family = await services(request).lots.family(await current_actor(request), parse_id(batch_id))
    return json(lineage_json(family))
