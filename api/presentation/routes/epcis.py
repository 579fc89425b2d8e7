"""A batch's events as a GS1 EPCIS 2.0 document (docs/API.md, "EPCIS")."""

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_id, parse_query
from api.presentation.schemas.epcis import MEDIA_TYPE, EpcisDocumentOut, EpcisQuery
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("epcis", url_prefix="/batches/<batch_id:str>/epcis")


@bp.get("/")
@operation(
    Operation(
        id="events_epcis",
        summary="A batch's EPCIS 2.0 document",
        description=(
            "The batch's events as GS1 EPCIS 2.0 events in an EPCISDocument (JSON-LD), oldest"
            " first: its own and, for a sub-lot, the split that made it; each as frozen when it"
            " happened, its `eventID` GS1's hash of it and linked to the lot's event before it."
            " `lineage=true` adds the events of the batch's ancestors and descendants that the"
            " caller may see. Not paginated."
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:read",
        path_ids=("batch_id",),
        query=EpcisQuery,
        replies=(
            Reply(200, "The EPCISDocument", EpcisDocumentOut, media=MEDIA_TYPE),
            error(404, "No such batch for this caller"),
        ),
    )
)
async def batch_epcis(request: Request, batch_id: str) -> HTTPResponse:
    lineage = parse_query(request, EpcisQuery).lineage
    document = await services(request).epcis.of_batch(
        await current_actor(request), parse_id(batch_id), lineage
    )
    return json(document, content_type=MEDIA_TYPE)
