from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.presentation.context import services
from api.presentation.http import current_actor, parse_id
from api.presentation.openapi import SECURED, responses
from api.presentation.schemas.common import ErrorOut
from api.presentation.schemas.events import EventsOut, event_json, verification_json

bp = Blueprint("events", url_prefix="/batches/<batch_id:str>/events")


@bp.get("/")
@openapi.definition(
    summary="A batch's hash-chained events, oldest first, with the chain's verification",
    description="The whole chain in one answer (it is verified whole); not paginated.",
    secured=SECURED,
    response=responses((200, EventsOut), (404, ErrorOut)),
)
async def list_events(request: Request, batch_id: str) -> HTTPResponse:
    batch = parse_id(batch_id)
    chain = await services(request).history.chain(current_actor(request), batch)
    return json(
        {
            "batch_id": str(batch),
            "data": [event_json(e) for e in chain.events],
            "verification": verification_json(chain.verification),
        }
    )
