"""The EPCIS routes over in-memory fakes: the media types, the query, what the public side shows,
and the GTIN a batch is registered with (docs/API.md, "EPCIS")."""

import pytest

from api.domain.users import Role
from tests.http.harness import bearer

BATCH = {
    "product": "avocado",
    "origin": {"farm": "La Loma", "region": "Michoacan", "country": "MX"},
    "harvest_date": "2026-10-02",
    "quantity": "1250.5",
    "unit": "kg",
}
PUBLIC_FIELDS = {"event_id", "event_time", "biz_step", "disposition", "previous_event_id"}


@pytest.fixture
async def producer(fakes):
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def test_a_batchs_document_is_json_ld_and_its_errors_are_the_error_shape(api, producer):
    batch = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    path = f"/api/v1/batches/{batch['id']}/epcis"

    document = await api.get(path, headers=producer)
    with_lineage = await api.get(path, params={"lineage": "true"}, headers=producer)
    unclear = await api.get(path, params={"lineage": "yes"}, headers=producer)
    unknown = await api.get(
        "/api/v1/batches/0b6c3f9e-2d4a-4a57-9a3e-3f1c2b7d8e90/epcis", headers=producer
    )

    assert document.status_code == 200, document.text
    assert document.headers["Content-Type"] == "application/ld+json"
    body = document.json()
    assert (body["type"], body["schemaVersion"]) == ("EPCISDocument", "2.0")
    (registration,) = body["epcisBody"]["eventList"]
    assert registration["ilmd"]["cbvmda:lotNumber"] == batch["code"]
    assert with_lineage.json()["epcisBody"] == body["epcisBody"]
    assert unclear.status_code == 400
    assert unclear.json()["error"]["code"] == "bad_request"
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/json")
    assert unknown.json()["error"]["code"] == "not_found"


async def test_the_public_side_shows_five_fields_of_each_event_of_a_public_lot(api, producer):
    hidden = (await api.post("/api/v1/batches", json=BATCH, headers=producer)).json()
    public = (
        await api.post("/api/v1/batches", json=BATCH | {"publish": True}, headers=producer)
    ).json()
    url = f"/api/v1/public/batches/{public['public_code']}/epcis"

    shown = await api.get(url)
    again = await api.get(url, headers={"If-None-Match": shown.headers["ETag"]})
    private = await api.get(f"/api/v1/public/batches/{hidden['public_code']}/epcis")
    full = (await api.get(f"/api/v1/batches/{public['id']}/epcis", headers=producer)).json()

    assert shown.status_code == 200, shown.text
    (event,) = shown.json()["data"]
    (frozen,) = full["epcisBody"]["eventList"]
    assert set(event) == PUBLIC_FIELDS
    assert event == {
        "event_id": frozen["eventID"],
        "event_time": frozen["eventTime"],
        "biz_step": "creating_class_instance",
        "disposition": "active",
        "previous_event_id": None,
    }
    assert frozen["agrobridge:salt"] not in shown.text
    assert shown.json()["public_code"] == public["public_code"]
    assert again.status_code == 304
    assert private.status_code == 404
    assert private.json()["error"]["code"] == "not_found"


async def test_a_batch_is_registered_with_its_gtin_kept_as_fourteen_digits(api, producer):
    made = await api.post(
        "/api/v1/batches", json=BATCH | {"gtin": "7038010000065"}, headers=producer
    )
    wrong = await api.post(
        "/api/v1/batches", json=BATCH | {"gtin": "7038010000066"}, headers=producer
    )
    letters = await api.post(
        "/api/v1/batches", json=BATCH | {"gtin": "70380100000A5"}, headers=producer
    )

    assert made.status_code == 201, made.text
    assert made.json()["gtin"] == "07038010000065"
    document = await api.get(f"/api/v1/batches/{made.json()['id']}/epcis", headers=producer)
    (registration,) = document.json()["epcisBody"]["eventList"]
    assert registration["quantityList"][0]["epcClass"].startswith(
        "https://id.gs1.org/01/07038010000065/10/"
    )
    for refused in (wrong, letters):
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0]["field"] == "gtin"
