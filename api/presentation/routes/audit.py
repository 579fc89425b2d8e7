from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse

from api.domain.audit import AuditFilter
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import current_actor, parse_query
from api.presentation.schemas.audit import AuditEntryOut, AuditPage, AuditQuery
from api.presentation.schemas.operations import Operation, Reply, error, operation

bp = Blueprint("audit", url_prefix="/audit-logs")


@bp.get("/")
@operation(
    Operation(
        id="audit_list",
        summary="Read the audit trail",
        description="The security audit trail, newest first (auditors and admins).",
        tag="audit",
        access=Access.BEARER,
        query=AuditQuery,
        replies=(
            Reply(200, "A page of audit entries", AuditPage),
            error(403, "Only auditors and admins read the audit trail"),
        ),
    )
)
async def list_audit_logs(request: Request) -> HTTPResponse:
    actor = await current_actor(request)
    q = parse_query(request, AuditQuery)
    filters = AuditFilter(q.actor_id, q.action, q.target_id, q.since, q.until, q.organisation_id)
    page = await services(request).audit_trail.query(actor, filters, q.cursor, q.limit)
    data = [AuditEntryOut.model_validate(e).model_dump(mode="json") for e in page.items]
    return json({"data": data, "next_cursor": page.next_cursor})
