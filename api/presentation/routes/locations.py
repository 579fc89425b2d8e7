"""An organisation's locations (docs/API.md, "Locations"). Never deleted: archived."""

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.locations import NewLocation
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.schemas.locations import (
    LocationIn,
    LocationOut,
    LocationPage,
    LocationPatch,
    LocationQuery,
    location_json,
)
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("locations", url_prefix="/organisations")

TAG = "locations"
ITEM = "/<organisation_id:str>/locations/<location_id:str>"
NOT_FOUND = error(404, "No such organisation among the caller's, or no such location in it")
OPERATORS_ONLY = error(403, "Viewers of the organisation may not change its locations")
GLN_TAKEN = error(409, "Another location of the organisation has this GLN and extension")
NOT_CONSISTENT = error(
    422,
    "The body breaks the schema, latitude comes without longitude, an extension without a GLN,"
    " or the parent is not an active location of the organisation (or lies inside this one)",
)


def _location_links() -> dict[str, dict[str, object]]:
    """Where a new location's ids lead."""
    ids = {
        "organisation_id": "$response.body#/organisation_id",
        "location_id": "$response.body#/id",
    }
    return {
        name: {"operationId": op, "parameters": ids, "description": words}
        for name, op, words in (
            ("GetLocation", "locations_get", "Read the location"),
            ("UpdateLocation", "locations_update", "Change the location"),
            ("ArchiveLocation", "locations_archive", "Archive the location"),
        )
    }


@bp.post("/<organisation_id:str>/locations")
@operation(
    Operation(
        id="locations_create",
        summary="Add a location",
        description="Owners and managers add a site of the organisation: a farm, a field in it,"
        " a packhouse, a warehouse...",
        tag=TAG,
        access=Access.BEARER,
        scope="locations:write",
        path_ids=("organisation_id",),
        body=LocationIn,
        replies=(
            Reply(
                201, "The new location", LocationOut, headers=("Location",), links=_location_links()
            ),
            OPERATORS_ONLY,
            error(404, "No such organisation among the caller's"),
            GLN_TAKEN,
            NOT_CONSISTENT,
        ),
    )
)
async def create(request: Request, organisation_id: str) -> HTTPResponse:
    body = parse_body(request, LocationIn)
    new = NewLocation(**body.model_dump())
    location = await services(request).locations.create(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        new,
        request_context(request),
    )
    url = f"{request.path.rstrip('/')}/{location.id}"
    return json(location_json(location), status=201, headers={"Location": url})


@bp.get("/<organisation_id:str>/locations")
@operation(
    Operation(
        id="locations_list",
        summary="List locations",
        description="The organisation's active locations, newest first, or with"
        " `archived=true` its archived ones. Any member reads them.",
        tag=TAG,
        access=Access.BEARER,
        scope="locations:read",
        path_ids=("organisation_id",),
        query=LocationQuery,
        replies=(
            Reply(200, "A page of locations", LocationPage),
            error(404, "No such organisation among the caller's"),
        ),
    )
)
async def list_locations(request: Request, organisation_id: str) -> HTTPResponse:
    q = parse_query(request, LocationQuery)
    page = await services(request).locations.list(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        q.archived,
        q.cursor,
        q.limit,
    )
    return json({"data": [location_json(x) for x in page.items], "next_cursor": page.next_cursor})


@bp.get(ITEM)
@operation(
    Operation(
        id="locations_get",
        summary="Read a location",
        description="One location of the organisation, archived or not. Any member reads it.",
        tag=TAG,
        access=Access.BEARER,
        scope="locations:read",
        path_ids=("organisation_id", "location_id"),
        replies=(Reply(200, "The location", LocationOut), NOT_FOUND),
    )
)
async def get(request: Request, organisation_id: str, location_id: str) -> HTTPResponse:
    location = await services(request).locations.get(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(location_id, "location"),
    )
    return json(location_json(location))


@bp.patch(ITEM)
@operation(
    Operation(
        id="locations_update",
        summary="Change a location",
        description="Owners and managers change the fields named; an archived location can"
        " still be corrected.",
        tag=TAG,
        access=Access.BEARER,
        scope="locations:write",
        path_ids=("organisation_id", "location_id"),
        body=LocationPatch,
        replies=(
            Reply(200, "The location as it is now", LocationOut),
            OPERATORS_ONLY,
            NOT_FOUND,
            GLN_TAKEN,
            NOT_CONSISTENT,
        ),
    )
)
async def update(request: Request, organisation_id: str, location_id: str) -> HTTPResponse:
    body = parse_body(request, LocationPatch)
    location = await services(request).locations.update(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(location_id, "location"),
        body.model_dump(exclude_unset=True),
        request_context(request),
    )
    return json(location_json(location))


@bp.post(f"{ITEM}/archive")
@operation(
    Operation(
        id="locations_archive",
        summary="Archive a location",
        description="Owners and managers retire a location: it is no longer offered for new"
        " lots and shipments, and what names it keeps it. Archiving it again changes nothing;"
        " locations are never deleted.",
        tag=TAG,
        access=Access.BEARER,
        scope="locations:write",
        path_ids=("organisation_id", "location_id"),
        replies=(Reply(200, "The location, archived", LocationOut), OPERATORS_ONLY, NOT_FOUND),
    )
)
async def archive(request: Request, organisation_id: str, location_id: str) -> HTTPResponse:
    location = await services(request).locations.archive(
        await current_actor(request),
        parse_id(organisation_id, "organisation"),
        parse_id(location_id, "location"),
        request_context(request),
    )
    return json(location_json(location))
