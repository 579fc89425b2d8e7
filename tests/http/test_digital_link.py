"""GS1 Digital Link over in-memory fakes: a public lot's QR code holds its Digital Link when its
product has a GTIN; the resolver sends people to the verification page and gives machines the
public EPCIS events; anything else is the public view's 404 (docs/API.md, "GS1 Digital Link")."""

import io
from typing import Any

import biip
import httpx
import pytest
import segno

from api.domain.users import Role
from api.presentation.routes.public import label_url
from tests.http.harness import Fakes, bearer
from tests.http.test_epcis import BATCH

BASE = "https://trace.example"  # the harness's public base URL
GTIN13, GTIN14 = "7038010000065", "07038010000065"


@pytest.fixture
async def producer(fakes: Fakes) -> dict[str, str]:
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def lot(api: httpx.AsyncClient, auth: dict[str, str], **extra: Any) -> dict[str, Any]:
    made = await api.post("/api/v1/batches", json=BATCH | {"publish": True} | extra, headers=auth)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def test_the_label_of_a_lot_with_a_gtin_is_a_digital_link_biip_reads_with_a_valid_gtin():
    url = label_url(BASE + "/", "AGB-7K3Q-9XD2-M4TN", GTIN14)

    assert url == f"{BASE}/01/{GTIN14}/10/AGB-7K3Q-9XD2-M4TN"
    parsed = biip.parse(url)
    assert parsed.gtin_error is None
    assert parsed.gs1_digital_link_uri is not None
    values = {e.ai.ai: e.value for e in parsed.gs1_digital_link_uri.element_strings}
    assert values == {"01": GTIN14, "10": "AGB-7K3Q-9XD2-M4TN"}


def test_a_lot_without_a_gtin_or_with_a_code_gs1_cannot_hold_keeps_its_verification_url():
    assert label_url(BASE, "AGB-7K3Q-9XD2-M4TN", None) == f"{BASE}/verify/AGB-7K3Q-9XD2-M4TN"
    long_code = "LOT-2026-0001.7K3Q9XD2M4TN"  # a client's code with its random suffix
    assert label_url(BASE, long_code, GTIN14) == f"{BASE}/verify/{long_code}"


async def test_the_qr_code_holds_the_digital_link_of_a_lot_with_a_gtin(api, producer):
    with_gtin = await lot(api, producer, gtin=GTIN13)
    without = await lot(api, producer)

    for made, expected in (
        (with_gtin, f"{BASE}/01/{GTIN14}/10/{with_gtin['public_code']}"),
        (without, f"{BASE}/verify/{without['public_code']}"),
    ):
        served = await api.get(f"/api/v1/public/batches/{made['public_code']}/qr.png")
        drawn = io.BytesIO()
        segno.make_qr(expected, error="m").save(drawn, kind="png", scale=8, border=4)
        assert served.status_code == 200
        assert served.content == drawn.getvalue()


async def test_a_person_is_sent_to_the_verification_page_and_a_machine_gets_epcis(api, producer):
    made = await lot(api, producer, gtin=GTIN13)
    code = made["public_code"]
    path = f"/01/{GTIN14}/10/{code}"
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    person = await api.get(path, headers=browser, follow_redirects=False)
    short_gtin = await api.get(f"/01/{GTIN13}/10/{code}?7007=261002&422=484", headers=browser)
    machine = await api.get(path, headers={"Accept": "application/ld+json"})
    by_link_type = await api.get(path, params={"linkType": "gs1:epcis"}, headers=browser)
    public = await api.get(f"/api/v1/public/batches/{code}/epcis")

    assert person.status_code == 302
    assert person.headers["Location"] == f"{BASE}/verify/{code}"
    assert "Accept" in person.headers["Vary"]
    assert short_gtin.status_code == 302
    for answer in (machine, by_link_type):
        assert answer.status_code == 200, answer.text
        assert answer.json() == public.json()
        assert "Accept" in answer.headers["Vary"]
    assert machine.json()["data"][0]["biz_step"] == "creating_class_instance"


async def test_a_wrong_check_digit_another_gtin_or_a_lot_not_public_is_the_public_404(
    api, producer
):
    public = await lot(api, producer, gtin=GTIN13)
    private = await api.post("/api/v1/batches", json=BATCH | {"gtin": GTIN13}, headers=producer)
    no_gtin = await lot(api, producer)
    code = public["public_code"]

    for path in (
        f"/01/07038010000066/10/{code}",  # check digit wrong
        f"/01/4006381333931/10/{code}",  # a valid GTIN, not the lot's
        f"/01/{GTIN14}/10/{private.json()['public_code']}",
        f"/01/{GTIN14}/10/{no_gtin['public_code']}",
        f"/01/{GTIN14}/10/NO-SUCH-LOT",
        f"/01/not-a-gtin/10/{code}",
    ):
        for accept in ("text/html", "application/ld+json"):
            refused = await api.get(path, headers={"Accept": accept})
            assert refused.status_code == 404, path
            assert refused.json()["error"] == {
                "code": "not_found",
                "message": "no batch has this code",
                "request_id": refused.headers["X-Request-ID"],
            }
