"""The URIs EPCIS events name lots, sites and parties by; GTINs checked as GS1 (and biip) do."""

import random
from uuid import uuid4

import biip
import pytest
from biip.gtin import Gtin

from api.domain.epcis.identifiers import (
    digital_link,
    gtin14,
    gtin_problem,
    location_uri,
    lot_uri,
    party_uri,
)

HOST = "trace.agrobridge.example"
# Check digits computed by GS1's rule: EAN-8, UPC-A (GTIN-12), EAN-13, GTIN-14.
VALID_GTINS = ["96385074", "036000291452", "7038010000065", "17038010000062"]


@pytest.mark.parametrize("gtin", VALID_GTINS)
def test_gtins_of_every_length_with_a_right_check_digit_are_accepted(gtin):
    assert gtin_problem(gtin) is None
    assert len(gtin14(gtin)) == 14


def test_a_gtin_13_is_named_by_its_14_digits():
    assert gtin14("7038010000065") == "07038010000065"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("7038010000066", "the GTIN's check digit is wrong"),
        ("70380100000", "a GTIN is 8, 12, 13 or 14 digits"),
        ("703801000006X", "a GTIN is 8, 12, 13 or 14 digits"),
        ("", "a GTIN is 8, 12, 13 or 14 digits"),
    ],
)
def test_a_wrong_gtin_says_why(value, problem):
    assert gtin_problem(value) == problem
    with pytest.raises(ValueError, match=problem):
        gtin14(value)


def test_the_check_digit_agrees_with_biip_on_random_numbers():
    rng = random.Random(20250501)
    for _ in range(300):
        value = "".join(rng.choice("0123456789") for _ in range(13))
        try:
            Gtin.parse(value)
            biip_accepts = True
        except biip.ParseError:
            biip_accepts = False
        assert (gtin_problem(value) is None) == biip_accepts, value


def test_a_digital_link_of_a_lot_parses_with_biip_with_the_gtin_and_lot_intact():
    uri = digital_link("example.com", "7038010000065", "AGB-7K3Q-9XD2-M4TN")

    assert uri == "https://example.com/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN"
    parsed = biip.parse(uri)
    assert parsed.gtin_error is None
    link = parsed.gs1_digital_link_uri
    assert link is not None
    values = {element.ai.ai: element.value for element in link.element_strings}
    assert values == {"01": "07038010000065", "10": "AGB-7K3Q-9XD2-M4TN"}


def test_no_digital_link_is_made_with_a_wrong_check_digit_or_a_lot_gs1_cannot_hold():
    with pytest.raises(ValueError, match="check digit"):
        digital_link("example.com", "7038010000066", "LOT-1")
    with pytest.raises(ValueError, match="1-20 characters"):
        digital_link("example.com", "7038010000065", "L" * 21)


def test_a_lot_with_a_gtin_is_its_gs1_digital_link_on_id_gs1_org():
    assert (
        lot_uri(HOST, "AGB-7K3Q-9XD2-M4TN", gtin="7038010000065")
        == "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN"
    )


def test_a_lot_without_a_gtin_is_named_under_our_host():
    assert lot_uri(HOST, "LOT-2026-0001") == f"https://{HOST}/id/lot/LOT-2026-0001"


def test_a_code_too_long_for_gs1s_lot_field_is_named_under_our_host_even_with_a_gtin():
    code = "LOT-2026-ORCHARD-NORTH-0001"  # 27 characters: a client's code may have 32

    assert lot_uri(HOST, code, gtin="7038010000065") == f"https://{HOST}/id/lot/{code}"


def test_a_site_with_a_gln_is_named_by_it_and_a_part_of_it_by_its_encoded_extension():
    site = uuid4()

    assert location_uri(HOST, site, "7501234000017") == "https://id.gs1.org/414/7501234000017"
    assert (
        location_uri(HOST, site, "7501234000017", "field/3")
        == "https://id.gs1.org/414/7501234000017/254/field%2F3"
    )
    assert location_uri(HOST, site) == f"https://{HOST}/id/location/{site}"


def test_a_party_with_a_gln_is_named_by_it_otherwise_by_our_id():
    organisation = uuid4()

    assert party_uri(HOST, organisation, "7501234000017") == "https://id.gs1.org/417/7501234000017"
    assert party_uri(HOST, organisation) == f"https://{HOST}/id/organisation/{organisation}"


def test_a_wrong_gln_or_a_host_that_is_a_url_is_refused():
    with pytest.raises(ValueError, match="check digit"):
        party_uri(HOST, uuid4(), "7501234000018")
    with pytest.raises(ValueError, match="not a host name"):
        lot_uri(f"https://{HOST}/", "LOT-1")
