from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_id
from api.presentation.schemas.events import EventsOut, event_json, verification_json
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("events", url_prefix="/batches/<batch_id:str>/events")


@bp.get("/")
@operation(
    Operation(
        id="events_list",
        summary="A batch's event chain",
        description=(
            "The batch's hash-chained events, oldest first, with the chain's verification. The"
            " whole chain in one answer (it is verified whole); not paginated."
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:read",
        path_ids=("batch_id",),
        replies=(
            Reply(200, "The events and whether the chain verifies", EventsOut),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def list_events(request: Request, batch_id: str) -> HTTPResponse:
    batch = parse_id(batch_id)
    chain = await services(request).history.chain(await current_actor(request), batch)
    return json(
        {
            "batch_id": str(batch),
            "data": [event_json(e) for e in chain.events],
            "verification": verification_json(chain.verification),
        }
    )
