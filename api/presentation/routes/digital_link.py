"""GS1 Digital Link resolver on the public host (docs/API.md, "GS1 Digital Link"):
`/01/<GTIN>/10/<lot>`, what a public lot's QR code holds when its product has a GTIN. People
are sent to the verification page; machines asking for EPCIS get the public EPCIS events."""

from urllib.parse import quote, unquote

import orjson
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from api.presentation.access import Access
from api.presentation.cacheable import cacheable
from api.presentation.context import services
from api.presentation.schemas.epcis import PublicEpcisOut, public_event_json
from api.presentation.schemas.operations import (
    IF_NONE_MATCH,
    Operation,
    PathParam,
    Reply,
    error,
    operation,
)

bp = Blueprint("digital_link", url_prefix="/01")

EPCIS_LINK_TYPE = "gs1:epcis"
MACHINE_TYPES = ("application/ld+json", "application/json")
VARY = {"Vary": "Accept"}
GTIN = PathParam(
    "gtin",
    "The product's GTIN (8, 12, 13 or 14 digits) with a right GS1 check digit.",
    {"type": "string", "minLength": 1},
)
LOT = PathParam(
    "lot",
    "The lot (GS1 AI 10): the batch's `public_code`, percent-encoded.",
    {"type": "string", "minLength": 1},
)


def wants_epcis(request: Request) -> bool:
    """A machine: `?linkType=gs1:epcis`, or an Accept naming JSON(-LD) and not HTML."""
    if request.args.get("linkType") == EPCIS_LINK_TYPE:
        return True
    accept = [part.split(";", 1)[0].strip().lower() for part in request.headers.getall("accept", [])
              for part in part.split(",")]  # fmt: skip
    return any(t in MACHINE_TYPES for t in accept) and "text/html" not in accept


@bp.get("/<gtin:str>/10/<lot:str>")
@operation(
    Operation(
        id="digital_link_resolve",
        summary="GS1 Digital Link of a public lot",
        description=(
            "What a public lot's QR code holds when its product has a GTIN (GS1 Digital Link:"
            " `/01/<GTIN-14>/10/<public code>`). A person (a browser) is sent to the"
            " verification page (302); a machine asking `Accept: application/ld+json` or"
            " `?linkType=gs1:epcis` gets the public EPCIS events, as GET"
            " /public/batches/{code}/epcis returns them. Data attributes in the query (`7007`,"
            " `422`, ...) are ignored. A GTIN with a wrong check digit, or one that is not the"
            " lot's product's, is the public view's 404. No token; rate-limited per address."
        ),
        tag="public",
        access=Access.PUBLIC,
        path_params=(GTIN, LOT),
        header_params=(IF_NONE_MATCH,),
        replies=(
            Reply(200, "The lot's public EPCIS events", PublicEpcisOut, ("ETag", "Vary")),
            Reply(302, "To the verification page (`Location`)", None, ("Location", "Vary")),
            Reply(304, "The copy the client holds is current (`If-None-Match`)", None, ("ETag",)),
            error(404, "No public batch has this GTIN and lot"),
        ),
    )
)
async def resolve(request: Request, gtin: str, lot: str) -> HTTPResponse:
    # The router hands the segment over as sent: a lot's characters may be percent-encoded.
    batch = await services(request).public.by_digital_link(gtin, unquote(lot))
    if not wants_epcis(request):
        base = request.app.ctx.settings.public_base_url.rstrip("/")
        return redirect(f"{base}/verify/{quote(batch.public_code, safe='')}", headers=VARY)
    events = await services(request).epcis.of_public_lot(batch.public_code)
    body = {"public_code": batch.public_code, "data": [public_event_json(e) for e in events]}
    response = cacheable(request, orjson.dumps(body), "application/json", None)
    response.headers.update(VARY)
    return response
