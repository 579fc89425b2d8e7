"""GS1's EPCIS query interface, REST binding (docs/API.md, "EPCIS queries"): events by a
SimpleEventQuery, paged with `perPage` and `Link: <...>; rel="next"`, and one event by its
eventID; of the lots the caller may read."""

from urllib.parse import quote, unquote, urlencode

from pydantic import ValidationError
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.errors import FieldIssue, MalformedInput, NotFound
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.errors import validation_issues
from api.presentation.http import current_actor
from api.presentation.schemas.epcis import MEDIA_TYPE
from api.presentation.schemas.epcis_query import (
    LISTS,
    SEPARATOR,
    EpcisQueryDocumentOut,
    EventsQuery,
)
from api.presentation.schemas.operations import Operation, PathParam, Reply, error, operation

bp = Blueprint("epcis_query", url_prefix="/epcis/events")

PATH = "/api/v1/epcis/events"
VERSIONS = {"GS1-EPCIS-Version": "2.0", "GS1-CBV-Version": "2.0"}
NAMES = frozenset(f.alias or n for n, f in EventsQuery.model_fields.items())
EVENT_ID = PathParam(
    "event_id",
    "The event's `eventID` (`ni:///sha-256;<hex>?ver=CBV2.0`), percent-encoded as one path"
    " segment.",
    {"type": "string", "minLength": 1, "maxLength": 512},
)


def parse_events_query(request: Request) -> EventsQuery:
    """GS1's parameters, each once (several values of a list joined by `|`, given either way);
    anything else is a 400 naming it rather than a filter silently left out."""
    try:
        args = request.get_args(keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput("the query string is not valid UTF-8") from exc
    unknown = sorted(set(args) - NAMES)
    if unknown:
        issues = [FieldIssue(name[:64], "not a parameter this query answers") for name in unknown]
        raise MalformedInput("unknown query parameters (QueryParameterException)", issues)
    repeated = sorted(name for name, v in args.items() if len(v) > 1 and name not in LISTS)
    if repeated:
        issues = [FieldIssue(name, "give it once") for name in repeated]
        raise MalformedInput("a query parameter is given twice (QueryParameterException)", issues)
    values = {k: SEPARATOR.join(v) if k in LISTS else v[0] for k, v in args.items()}
    try:
        return EventsQuery.model_validate(values)
    except ValidationError as exc:
        raise MalformedInput(
            "a query parameter is not valid (QueryParameterException)", validation_issues(exc)
        ) from exc


def _next_link(request: Request, token: str) -> str:
    # A reference relative to this URL: the same parameters, the next page's token.
    kept = [(k, v) for k, vs in request.get_args(keep_blank_values=True).items() for v in vs]
    pairs = [(k, v) for k, v in kept if k != "nextPageToken"] + [("nextPageToken", token)]
    return f'<{PATH}?{urlencode(pairs, quote_via=quote)}>; rel="next"'


@bp.get("/")
@operation(
    Operation(
        id="epcis_query_events",
        summary="EPCIS events by a SimpleEventQuery",
        description=(
            "GS1's EPCIS 2.0 query interface (REST binding), `GET /events`: the events of the"
            " lots the caller may read (as GET /batches/{id}) that match every parameter given,"
            " oldest first, as an EPCISQueryDocument; each event as frozen, with `recordTime`."
            ' While more remain, `Link: <...>; rel="next"` gives the next page\'s URL.'
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:read",
        query=EventsQuery,
        replies=(
            Reply(
                200,
                "One page of events",
                EpcisQueryDocumentOut,
                ("GS1-EPCIS-Version", "GS1-CBV-Version", "Link"),
                media=MEDIA_TYPE,
            ),
            # Its lists may hold long URIs: a request line and headers over 8 KB (Sanic's
            # limit) are refused before the query is read.
            error(413, "The request line and headers are over 8 KB (a query too long)"),
        ),
    )
)
async def query_events(request: Request) -> HTTPResponse:
    given = parse_events_query(request)
    page = await services(request).epcis_queries.events(
        await current_actor(request), given.to_query(), given.next_page_token, given.per_page
    )
    headers = dict(VERSIONS)
    if page.next_page_token is not None:
        headers["Link"] = _next_link(request, page.next_page_token)
    return json(page.document, content_type=MEDIA_TYPE, headers=headers)


@bp.get("/<event_id:str>")
@operation(
    Operation(
        id="epcis_query_event",
        summary="One EPCIS event by its eventID",
        description=(
            "GS1's `GET /events/{eventID}`: the event, with `recordTime`, in an"
            " EPCISQueryDocument; 404 when no event has this eventID or its lot is not one the"
            " caller may read."
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:read",
        path_params=(EVENT_ID,),
        replies=(
            Reply(
                200,
                "The event",
                EpcisQueryDocumentOut,
                ("GS1-EPCIS-Version", "GS1-CBV-Version"),
                media=MEDIA_TYPE,
            ),
            error(404, "No such event for this caller"),
        ),
    )
)
async def query_event(request: Request, event_id: str) -> HTTPResponse:
    # The router hands the segment over as sent: `ni:///...?ver=` comes percent-encoded.
    event_id = unquote(event_id)
    if len(event_id) > 512 or not event_id.isprintable():
        raise NotFound("no EPCIS event has this eventID")  # none could have it
    document = await services(request).epcis_queries.event(await current_actor(request), event_id)
    return json(document, content_type=MEDIA_TYPE, headers=dict(VERSIONS))
