"""FDA FSMA 204 records as a file (docs/API.md, "FSMA 204 records"; docs/fsma204.md), streamed."""

from sanic import Blueprint, Request

from api.infrastructure.exports import csv_rows, json_rows, xlsx_rows
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_query
from api.presentation.schemas.fsma import (
    RECORDS_BINARY_SCHEMA,
    RECORDS_TEXT_SCHEMA,
    RecordsOut,
    RecordsQueryIn,
)
from api.presentation.schemas.operations import Operation, Reply, operation

bp = Blueprint("fsma", url_prefix="/fsma204")


@bp.get("/records")
@operation(
    Operation(
        id="fsma_records",
        summary="FSMA 204 records",
        description=(
            "One row per FDA FSMA 204 critical tracking event and traceability lot of the"
            " events recorded in the UTC dates `from` to `to` (inclusive; either may be left"
            " out), with every key data element its event requires and, in"
            " `missing_kdes`, those it lacks. An organisation's own (the lots it"
            " owns or was shipped); an auditor's or admin's, anyone's. Sent as it is read:"
            " CSV with one header row, xlsx with a frozen header and a filter, or one JSON"
            " array; `Content-Disposition` names the file. Not paginated."
        ),
        tag="fsma",
        access=Access.BEARER,
        scope="events:read",
        query=RecordsQueryIn,
        replies=(
            Reply(
                200,
                "The records, as a file in the format asked for",
                RecordsOut,
                headers=("Content-Disposition",),
                media=json_rows.JSON_MEDIA_TYPE,
                other_media=(
                    (csv_rows.MEDIA_TYPE, RECORDS_TEXT_SCHEMA),
                    (xlsx_rows.MEDIA_TYPE, RECORDS_BINARY_SCHEMA),
                ),
            ),
        ),
    )
)
async def records(request: Request) -> None:
    query = parse_query(request, RecordsQueryIn)
    actor = await current_actor(request)
    export = services(request).fsma.export(actor, query.query(), query.format.value)
    chunks = export.chunks
    try:
        # The first chunk before the status line: what fails early is still a JSON error.
        first = await anext(chunks)
        disposition = f'attachment; filename="{export.filename}"'
        response = await request.respond(
            content_type=export.media_type, headers={"Content-Disposition": disposition}
        )
        await response.send(first)
        async for chunk in chunks:
            await response.send(chunk)
        await response.eof()
    finally:
        await chunks.aclose()
