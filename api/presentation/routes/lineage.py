from decimal import Decimal

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.application.lineage import Part
from api.presentation.context import services
from api.presentation.http import current_actor, parse_body, parse_id, request_context
from api.presentation.openapi import SECURED, json_of, responses
from api.presentation.schemas.batches import SplitIn, SplitOut, batch_json
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.lineage import LineageOut, lineage_json

bp = Blueprint("lineage", url_prefix="/batches/<batch_id:str>")


@bp.post("/split")
@openapi.definition(
    summary="Split a batch into sub-lots whose quantities add up to its own (its holder)",
    secured=SECURED,
    body=json_of(SplitIn),
    response=responses(
        (201, SplitOut),
        (403, ErrorOut),
        (404, ErrorOut),
        (409, ErrorOut),
        (422, ErrorOut),
    ),
)
async def split(request: Request, batch_id: str) -> HTTPResponse:
    actor = current_actor(request)
    body = parse_body(request, SplitIn)
    parts = [Part(Decimal(p.quantity), p.code) for p in body.parts]
    parent, children = await services(request).lots.split(
        actor, parse_id(batch_id), parts, request_context(request)
    )
    out = {"parent": batch_json(parent), "children": [batch_json(c) for c in children]}
    return json(out, status=201)


@bp.get("/lineage")
@openapi.definition(
    summary="The lots a batch was split from and the sub-lots split from it",
    secured=SECURED,
    response=responses((200, LineageOut), (404, ErrorOut)),
)
async def lineage(request: Request, batch_id: str) -> HTTPResponse:
    family = await services(request).lots.family(current_actor(request), parse_id(batch_id))
    return json(lineage_json(family))
