"""EPCIS capture, as GS1's REST binding has it (docs/API.md, "EPCIS capture"): a trading
partner's system sends an EPCISDocument of events about lots its organisation holds."""

import orjson
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.errors import FieldIssue, MalformedInput
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.errors import UnsupportedMediaType
from api.presentation.http import current_actor, header_text, parse_id, request_context
from api.presentation.schemas.capture import (
    CAPTURE_ERROR_BEHAVIOUR,
    EPCIS_VERSION,
    CaptureIn,
    CaptureJobOut,
    job_json,
)
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("capture", url_prefix="/epcis/capture")
VERSION = {"GS1-EPCIS-Version": "2.0"}
MEDIA_TYPES = ("application/json", "application/ld+json")


def _document(request: Request) -> object:
    """The body as JSON: a JSON-LD or JSON body, else a 415; malformed JSON, a 400. GS1's
    schema, not ours, says what the document must be (the use case checks it)."""
    mime = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if mime not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            "send the EPCISDocument as application/ld+json or application/json"
        )
    try:
        return orjson.loads(request.body or b"")
    except orjson.JSONDecodeError as exc:
        raise MalformedInput("request body is not valid JSON") from exc


def _check_version(request: Request) -> None:
    version = header_text(request, "GS1-EPCIS-Version")
    if version is not None and version.strip() != "2.0":
        raise MalformedInput(
            "only EPCIS 2.0 is captured",
            [FieldIssue("GS1-EPCIS-Version", "2.0 when sent")],
        )


@bp.post("/")
@operation(
    Operation(
        id="epcis_capture",
        summary="Capture EPCIS events",
        description=(
            "A trading partner's system sends a GS1 EPCIS 2.0 EPCISDocument of ObjectEvents about"
            " lots its organisation holds, each named as a class in `quantityList` (1 to 100"
            " events). Each is checked against GS1's JSON Schema and CBV 2.0; its `eventID`, when"
            " sent, must be GS1's hash of it (otherwise it is assigned); its lot must be one the"
            " organisation holds. A `shipping` event by the lot's owner ships it to the"
            " organisation its destination owning_party names; a `receiving` event by the"
            " recipient marks it delivered; any other is stored as an observation. All or"
            " nothing: one bad event is a 400 naming it and the rule, and nothing is stored."
            " Answers 202 with the finished capture job."
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:capture",
        body=CaptureIn,
        header_params=(CAPTURE_ERROR_BEHAVIOUR, EPCIS_VERSION),
        replies=(
            Reply(
                202,
                "The capture job, finished",
                CaptureJobOut,
                headers=("Location", "GS1-EPCIS-Version"),
            ),
            error(
                400,
                "An event breaks GS1's schema, CBV, its hash, or names a lot the organisation"
                " does not hold, or custody refuses its move: nothing was stored",
            ),
            error(403, "Viewers of an organisation cannot capture"),
            error(409, "Another request captured the same event meanwhile"),
        ),
    )
)
async def capture(request: Request) -> HTTPResponse:
    actor = await current_actor(request)
    _check_version(request)
    document = _document(request)
    behaviour = header_text(request, "GS1-Capture-Error-Behaviour")
    job = await services(request).captures.capture(
        actor, document, behaviour, request_context(request)
    )
    location = f"{request.path.rstrip('/')}/{job.id}"
    return json(job_json(job), status=202, headers={"Location": location, **VERSION})


@bp.get("/<capture_id:str>")
@operation(
    Operation(
        id="epcis_capture_get",
        summary="A capture job",
        description=(
            "The capture job with this id, for the organisation that captured it (404"
            " otherwise): GS1's `{captureID, running, success, errors}`, with the eventIDs stored."
        ),
        tag="events",
        access=Access.BEARER,
        scope="events:capture",
        path_ids=("capture_id",),
        replies=(
            Reply(200, "The capture job", CaptureJobOut, headers=("GS1-EPCIS-Version",)),
            error(404, "No capture of the caller's organisation has this id"),
        ),
    )
)
async def capture_job(request: Request, capture_id: str) -> HTTPResponse:
    job = await services(request).captures.get(
        await current_actor(request), parse_id(capture_id, "capture")
    )
    return json(job_json(job), headers=VERSION)
