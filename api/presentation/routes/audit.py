from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from api.domain.audit import AuditFilter
from api.presentation.context import services
from api.presentation.http import current_actor, parse_query
from api.presentation.openapi import SECURED, query, responses
from api.presentation.schemas.audit import AuditEntryOut, AuditPage, AuditQuery
from api.presentation.schemas.common import ErrorOut

bp = Blueprint("audit", url_prefix="/audit-logs")


@bp.get("/")
@openapi.definition(
    summary="The security audit trail, newest first (auditors and admins)",
    secured=SECURED,
    parameter=query(
        ("limit", int),
        ("cursor", str),
        ("actor_id", str),
        ("action", str),
        ("target_id", str),
        ("from", str),
        ("to", str),
    ),
    response=responses((200, AuditPage), (403, ErrorOut)),
)
async def list_audit_logs(request: Request) -> HTTPResponse:
    actor = current_actor(request)
    q = parse_query(request, AuditQuery)
    filters = AuditFilter(q.actor_id, q.action, q.target_id, q.since, q.until)
    page = await services(request).audit_trail.query(actor, filters, q.cursor, q.limit)
    data = [AuditEntryOut.model_validate(e).model_dump(mode="json") for e in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})
