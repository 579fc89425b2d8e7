"""Webhooks of the caller's organisation, managed by its owners (docs/API.md, "Webhooks").
People only: these routes declare no scope, so no machine client's token reaches them."""

from sanic import Blueprint, Request, empty, json
from sanic.response import HTTPResponse

from api.domain.webhooks import NewSubscription
from api.presentation.access import Access
from api.presentation.context import services
from api.presentation.http import (
    current_actor,
    parse_body,
    parse_id,
    parse_query,
    request_context,
)
from api.presentation.schemas.operations import Operation, Reply, error, operation
from api.presentation.schemas.webhooks import (
    DeliveryPage,
    DeliveryQuery,
    ReplayIn,
    ReplayOut,
    WebhookIn,
    WebhookList,
    WebhookOut,
    delivery_json,
    webhook_json,
)

bp = Blueprint("webhooks", url_prefix="/webhooks")
ITEM = "/<webhook_id:str>"

TAG = "webhooks"
OWNERS_ONLY = error(403, "Only the organisation's owners manage its webhooks")
NOT_FOUND = error(404, "No such webhook in the caller's organisation")


@bp.post("")
@operation(
    Operation(
        id="webhooks_create",
        summary="Subscribe an endpoint",
        description=(
            "Owners register an https:// endpoint of the organisation for the event types"
            " given. The signing secret (`whsec_...`) is in this answer only. The organisation"
            " hears of the lots it owns or that were shipped to it, nothing else."
        ),
        tag=TAG,
        access=Access.BEARER,
        body=WebhookIn,
        replies=(
            Reply(201, "The new webhook, with its secret", WebhookOut, headers=("Location",)),
            OWNERS_ONLY,
            error(409, "The organisation has as many webhooks as it may"),
            error(422, "The URL is not https, names a local address or carries credentials"),
        ),
    )
)
async def create(request: Request) -> HTTPResponse:
    body = parse_body(request, WebhookIn)
    new = NewSubscription(body.url, tuple(body.event_types), body.description)
    subscription, secret = await services(request).webhooks.create(
        await current_actor(request), new, request_context(request)
    )
    location = f"{request.path.rstrip('/')}/{subscription.id}"
    return json(webhook_json(subscription, secret), status=201, headers={"Location": location})


@bp.get("")
@operation(
    Operation(
        id="webhooks_list",
        summary="The organisation's webhooks",
        description="Every webhook of the caller's organisation, oldest first (owners).",
        tag=TAG,
        access=Access.BEARER,
        replies=(Reply(200, "The webhooks", WebhookList), OWNERS_ONLY),
    )
)
async def list_webhooks(request: Request) -> HTTPResponse:
    found = await services(request).webhooks.of_organisation(await current_actor(request))
    return json({"data": [webhook_json(s) for s in found]})


@bp.get(ITEM)
@operation(
    Operation(
        id="webhooks_get",
        summary="Read a webhook",
        description="One webhook of the caller's organisation (owners).",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        replies=(Reply(200, "The webhook", WebhookOut), OWNERS_ONLY, NOT_FOUND),
    )
)
async def get(request: Request, webhook_id: str) -> HTTPResponse:
    found = await services(request).webhooks.get(
        await current_actor(request), parse_id(webhook_id, "webhook")
    )
    return json(webhook_json(found))


@bp.delete(ITEM)
@operation(
    Operation(
        id="webhooks_delete",
        summary="Delete a webhook",
        description="The endpoint gets nothing more; its delivery log goes with it.",
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        replies=(Reply(204, "Deleted"), OWNERS_ONLY, NOT_FOUND),
    )
)
async def delete(request: Request, webhook_id: str) -> HTTPResponse:
    await services(request).webhooks.delete(
        await current_actor(request), parse_id(webhook_id, "webhook"), request_context(request)
    )
    return empty()


@bp.post(ITEM + "/pause")
@operation(
    Operation(
        id="webhooks_pause",
        summary="Pause a webhook",
        description=(
            "Nothing is sent while paused; events keep being queued for it and go out, in"
            " order, once it resumes."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        replies=(Reply(200, "The webhook, paused", WebhookOut), OWNERS_ONLY, NOT_FOUND),
    )
)
async def pause(request: Request, webhook_id: str) -> HTTPResponse:
    found = await services(request).webhooks.pause(
        await current_actor(request), parse_id(webhook_id, "webhook"), request_context(request)
    )
    return json(webhook_json(found))


@bp.post(ITEM + "/resume")
@operation(
    Operation(
        id="webhooks_resume",
        summary="Resume a webhook",
        description=(
            "A paused webhook, or one disabled after failing for days, is active again; what"
            " was queued for it is due at once."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        replies=(Reply(200, "The webhook, active", WebhookOut), OWNERS_ONLY, NOT_FOUND),
    )
)
async def resume(request: Request, webhook_id: str) -> HTTPResponse:
    found = await services(request).webhooks.resume(
        await current_actor(request), parse_id(webhook_id, "webhook"), request_context(request)
    )
    return json(webhook_json(found))


@bp.post(ITEM + "/rotate-secret")
@operation(
    Operation(
        id="webhooks_rotate_secret",
        summary="Rotate a webhook's signing secret",
        description=(
            "A new secret, shown once. Until `previous_secret_expires_at` every message carries"
            " the signatures of both (`webhook-signature: v1,<new> v1,<old>`), so that the"
            " receiver switches without refusing one."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        replies=(
            Reply(200, "The webhook, with its new secret", WebhookOut),
            OWNERS_ONLY,
            NOT_FOUND,
        ),
    )
)
async def rotate_secret(request: Request, webhook_id: str) -> HTTPResponse:
    found, secret = await services(request).webhooks.rotate_secret(
        await current_actor(request), parse_id(webhook_id, "webhook"), request_context(request)
    )
    return json(webhook_json(found, secret))


@bp.get(ITEM + "/deliveries")
@operation(
    Operation(
        id="webhooks_deliveries",
        summary="A webhook's delivery log",
        description=(
            "Each event queued for the endpoint, newest first: delivered, pending (with its"
            " next attempt) or failed, with the last status and error."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        query=DeliveryQuery,
        replies=(
            Reply(200, "A page of deliveries", DeliveryPage),
            error(400, "A limit or cursor out of its range"),
            OWNERS_ONLY,
            NOT_FOUND,
        ),
    )
)
async def deliveries(request: Request, webhook_id: str) -> HTTPResponse:
    q = parse_query(request, DeliveryQuery)
    before = int(q.cursor) if q.cursor is not None else None
    rows = await services(request).webhooks.deliveries(
        await current_actor(request), parse_id(webhook_id, "webhook"), before, q.limit
    )
    page, more = rows[: q.limit], len(rows) > q.limit
    cursor = str(page[-1].id) if more and page else None
    return json({"data": [delivery_json(d) for d in page], "next_cursor": cursor})


@bp.post(ITEM + "/replay")
@operation(
    Operation(
        id="webhooks_replay",
        summary="Send a time range's events again",
        description=(
            "Queues again the events of [since, until) (at most 31 days, 10000 events) that the"
            " webhook's types and organisation select. Each keeps its `webhook-id`, so a"
            " receiver's deduplication holds."
        ),
        tag=TAG,
        access=Access.BEARER,
        path_ids=("webhook_id",),
        body=ReplayIn,
        replies=(
            Reply(202, "Queued", ReplayOut),
            OWNERS_ONLY,
            NOT_FOUND,
            error(422, "until is not after since, or more than 31 days after it"),
        ),
    )
)
async def replay(request: Request, webhook_id: str) -> HTTPResponse:
    body = parse_body(request, ReplayIn)
    queued = await services(request).webhooks.replay(
        await current_actor(request),
        parse_id(webhook_id, "webhook"),
        body.since,
        body.until,
        request_context(request),
    )
    return json({"queued": queued}, status=202)
