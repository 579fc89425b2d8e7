"""Webhooks through the app, over the fakes: owners subscribe endpoints and read their delivery
log; a lot's change is queued for the organisations entitled to it and no other; unsafe URLs
are refused; replays keep each event's message id."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.domain.batches import BatchStatus
from api.domain.organisations import MemberRole
from api.domain.users import Actor, Role
from tests.http.harness import bearer
from tests.support.builders import CTX, new_batch

WEBHOOKS = "/api/v1/webhooks"
HOOK = {"url": "https://erp.partner.example/hooks", "event_types": ["batch.shipped"]}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


async def subscribe(api, token: str, **body: Any) -> dict[str, Any]:
    response = await api.post(WEBHOOKS, json=HOOK | body, headers=bearer(token))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def shipped_lot(fakes: Any, producer: Any, buyer: Any) -> Any:
    services = fakes.services()
    owner = Actor(producer.id, producer.role)
    batch = await services.batches.create(owner, new_batch(), CTX)
    await services.batches.change_status(
        owner, batch.id, BatchStatus.IN_TRANSIT, None, CTX, recipient=buyer.email
    )
    return batch


async def test_an_owner_subscribes_and_sees_the_secret_once(api, fakes):
    producer = await fakes.user(Role.PRODUCER)
    token = fakes.token(producer)

    made = await subscribe(api, token, description="ERP")

    assert made["secret"].startswith("whsec_")
    assert made["state"] == "active"
    assert made["organisation_id"] == str(producer.id)
    read = await api.get(f"{WEBHOOKS}/{made['id']}", headers=bearer(token))
    assert read.status_code == 200
    assert "secret" not in read.json()
    listed = (await api.get(WEBHOOKS, headers=bearer(token))).json()["data"]
    assert [w["id"] for w in listed] == [made["id"]]
    assert "secret" not in listed[0]


async def test_urls_that_could_reach_our_own_network_are_refused(api, fakes):
    token = fakes.token(await fakes.user())
    for url in (
        "http://erp.partner.example/hooks",
        "https://127.0.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]:8443/",
        "https://localhost/hooks",
        "https://admin:pw@erp.partner.example/",
    ):
        response = await api.post(WEBHOOKS, json=HOOK | {"url": url}, headers=bearer(token))
        error = assert_error(response, 422, "validation_error")
        assert error["details"][0]["field"] == "url", url


async def test_unknown_event_types_are_refused(api, fakes):
    token = fakes.token(await fakes.user())
    response = await api.post(
        WEBHOOKS, json=HOOK | {"event_types": ["batch.teleported"]}, headers=bearer(token)
    )
    assert_error(response, 422, "validation_error")


async def test_members_who_are_not_owners_cannot_manage_webhooks(api, fakes):
    owner_user = await fakes.user()
    owner = Actor(owner_user.id, owner_user.role)
    manager = await fakes.user()
    await fakes.organisations.add_member(
        owner.org, manager.id, MemberRole.MANAGER, fakes.clock.now()
    )
    made = await subscribe(api, fakes.token(owner_user))
    # A manager acting for the organisation: a 403 (webhooks carry secrets and reach outside).
    as_manager, _ = fakes.tokens.issue(
        manager, uuid.uuid4(), datetime.now(UTC), organisation_id=owner.org
    )
    for response in (
        await api.get(WEBHOOKS, headers=bearer(as_manager)),
        await api.post(WEBHOOKS, json=HOOK, headers=bearer(as_manager)),
        await api.get(f"{WEBHOOKS}/{made['id']}/deliveries", headers=bearer(as_manager)),
    ):
        assert_error(response, 403, "forbidden")
    # Someone of another organisation does not see that the webhook exists.
    stranger = fakes.token(await fakes.user())
    response = await api.get(f"{WEBHOOKS}/{made['id']}", headers=bearer(stranger))
    assert_error(response, 404, "not_found")
    response = await api.delete(f"{WEBHOOKS}/{made['id']}", headers=bearer(stranger))
    assert_error(response, 404, "not_found")


async def test_a_shipment_is_queued_for_the_owner_and_the_recipient_only(api, fakes):
    producer, buyer = await fakes.user(Role.PRODUCER), await fakes.user(Role.BUYER)
    bystander = await fakes.user(Role.BUYER)
    mine = await subscribe(api, fakes.token(producer))
    theirs = await subscribe(api, fakes.token(buyer))
    other = await subscribe(api, fakes.token(bystander))
    deaf = await subscribe(api, fakes.token(buyer), event_types=["batch.delivered"])

    batch = await shipped_lot(fakes, producer, buyer)

    def log(token: str, hook: dict[str, Any]) -> Any:
        return api.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=bearer(token))

    for token, hook in ((fakes.token(producer), mine), (fakes.token(buyer), theirs)):
        entries = (await log(token, hook)).json()["data"]
        assert [(e["event_type"], e["batch_id"], e["state"]) for e in entries] == [
            ("batch.shipped", str(batch.id), "pending")
        ]
    assert (await log(fakes.token(bystander), other)).json()["data"] == []
    assert (await log(fakes.token(buyer), deaf)).json()["data"] == []
    [body] = fakes.outbox.emitted
    assert body["type"] == "batch.shipped"
    assert body["data"]["batch_code"] == batch.code
    assert body["data"]["recipient_id"] == str(buyer.id)


async def test_a_lots_registration_is_not_an_event_partners_hear_of(fakes):
    producer = await fakes.user(Role.PRODUCER)
    owner = Actor(producer.id, producer.role)
    await fakes.services().batches.create(owner, new_batch(), CTX)
    assert fakes.outbox.emitted == []


async def test_pause_resume_rotate_and_delete(api, fakes):
    producer = await fakes.user()
    token = fakes.token(producer)
    made = await subscribe(api, token)
    item = f"{WEBHOOKS}/{made['id']}"

    paused = await api.post(item + "/pause", headers=bearer(token))
    assert paused.json()["state"] == "paused"
    resumed = await api.post(item + "/resume", headers=bearer(token))
    assert resumed.json()["state"] == "active"
    rotated = (await api.post(item + "/rotate-secret", headers=bearer(token))).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != made["secret"]
    assert rotated["previous_secret_expires_at"] is not None
    assert [event.action for event, _ in fakes.audit.entries][-3:] == [
        "webhook.paused",
        "webhook.resumed",
        "webhook.secret_rotated",
    ]

    assert (await api.delete(item, headers=bearer(token))).status_code == 204
    assert_error(await api.get(item, headers=bearer(token)), 404, "not_found")


async def test_a_replay_queues_the_range_again_under_the_same_message_ids(api, fakes):
    producer, buyer = await fakes.user(Role.PRODUCER), await fakes.user(Role.BUYER)
    token = fakes.token(producer)
    made = await subscribe(api, token)
    await shipped_lot(fakes, producer, buyer)
    now = fakes.clock.now()
    body = {
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(seconds=1)).isoformat(),
    }

    response = await api.post(f"{WEBHOOKS}/{made['id']}/replay", json=body, headers=bearer(token))

    assert response.status_code == 202, response.text
    assert response.json() == {"queued": 1}
    log = (await api.get(f"{WEBHOOKS}/{made['id']}/deliveries", headers=bearer(token))).json()
    first, again = log["data"][1], log["data"][0]
    assert again["message_id"] == first["message_id"]
    assert again["id"] > first["id"]


async def test_a_replay_range_must_be_forward_and_bounded(api, fakes):
    token = fakes.token(await fakes.user())
    made = await subscribe(api, token)
    url = f"{WEBHOOKS}/{made['id']}/replay"
    backwards = {"since": "2031-01-02T00:00:00Z", "until": "2031-01-01T00:00:00Z"}
    too_long = {"since": "2030-01-01T00:00:00Z", "until": "2031-01-01T00:00:00Z"}
    for body in (backwards, too_long):
        assert_error(await api.post(url, json=body, headers=bearer(token)), 422, "validation_error")


async def test_the_delivery_log_pages_and_refuses_a_foreign_cursor(api, fakes):
    producer, buyer = await fakes.user(Role.PRODUCER), await fakes.user(Role.BUYER)
    token = fakes.token(producer)
    made = await subscribe(api, token)
    for _ in range(3):
        await shipped_lot(fakes, producer, buyer)
    url = f"{WEBHOOKS}/{made['id']}/deliveries"

    first = (await api.get(url, params={"limit": 2}, headers=bearer(token))).json()
    rest = await api.get(url, params={"cursor": first["next_cursor"]}, headers=bearer(token))

    assert len(first["data"]) == 2
    assert len(rest.json()["data"]) == 1
    assert rest.json()["next_cursor"] is None
    bad = await api.get(url, params={"cursor": "abc"}, headers=bearer(token))
    assert_error(bad, 400, "bad_request")
