"""Which FSMA 204 rows our events make: what a registration is by where it happens, how a split
keeps or renews the lot code, and what a location description needs to be complete."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from api.domain.fsma.descriptions import (
    LocationDescription,
    ProductDescription,
    TlcSource,
)
from api.domain.fsma.kdes import Cte, Kde
from api.domain.fsma.lots import LotIdentity, SplitKind, after_split
from api.domain.fsma.mapping import rows_for
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Activity, Organisation
from tests.support import fsma

NOW = datetime(2031, 1, 1, tzinfo=UTC)


def test_a_place_is_described_by_street_or_coordinates_but_always_city_region_and_postcode():
    assert fsma.PACKHOUSE.complete
    assert fsma.COOLER.street is None
    assert fsma.COOLER.complete
    no_address = replace(fsma.COOLER, latitude=None)
    assert no_address.missing() == ("street_address_or_coordinates",)
    bare = LocationDescription("Rancho La Loma", " ", "MX", latitude=Decimal("19.4"),
                               longitude=Decimal("-102.1"))  # fmt: skip
    assert bare.missing() == ("phone", "city", "region", "postal_code")
    assert LocationDescription(None, None, None).missing() == (
        "business_name", "phone", "street_address_or_coordinates", "city", "region",
        "postal_code", "country",
    )  # fmt: skip


def test_a_place_reads_as_one_line_with_what_is_known():
    assert fsma.PACKHOUSE.text() == (
        "Empacadora Sol (Planta 2); Km 3 Carretera Uruapan-Tancitaro, Uruapan, Michoacan 60000, "
        "MX; tel +52 452 200 0000; GLN 7501234000024"
    )
    assert fsma.COOLER.text() == (
        "Frio Express; Uruapan, Michoacan 60000, MX; 19.4135, -102.0521; tel +52 452 300 0000"
    )
    assert LocationDescription(None, None, "MX", site_name="Tabla 7").text() == "(Tabla 7); MX"


def test_one_of_our_locations_is_described_under_its_organisations_name_and_phone():
    company = Organisation(uuid4(), "Empacadora Sol", "MX", frozenset({Activity.PRODUCER}),
                           NOW, NOW, phone="+52 452 200 0000")  # fmt: skip
    site = Location(uuid4(), company.id, "Planta 2", LocationKind.PACKHOUSE, "MX", uuid4(), NOW,
                    NOW, street="Km 3", city="Uruapan", region="Michoacan", postal_code="60000",
                    gln="7501234000024", gln_extension="dock-4")  # fmt: skip

    described = LocationDescription.of(site, company)
    assert described.business_name == "Empacadora Sol"
    assert described.site_name == "Planta 2"
    assert described.phone == "+52 452 200 0000"
    assert described.complete
    assert LocationDescription.of(replace(site, phone="+52 1"), company).phone == "+52 1"
    assert described.reference == "https://id.gs1.org/414/7501234000024/254/dock-4"


def test_a_lot_code_source_is_a_complete_place_or_a_reference_to_one():
    assert TlcSource.at(fsma.PACKHOUSE).reference == "https://id.gs1.org/414/7501234000024"
    assert TlcSource.at(fsma.PACKHOUSE).identified
    assert TlcSource(reference="https://sol.example/tlc-source").identified
    assert not TlcSource(replace(fsma.PACKHOUSE, phone=None)).identified
    assert not TlcSource().identified


def test_a_product_reads_commodity_variety_brand_and_packaging():
    assert fsma.CARTON.text() == "Avocado, Hass, brand Sol, 10 kg carton"
    assert ProductDescription("Avocado").text() == "Avocado"
    assert not ProductDescription(" ", "Hass").has_commodity


def test_divided_parts_keep_the_lots_code_and_source_repacked_parts_get_new_ones():
    site = TlcSource.at(fsma.REPACKER)

    assert after_split(SplitKind.DIVIDE, fsma.PACKED, "SOL-A", site) == fsma.PACKED
    assert after_split(SplitKind.REPACK, fsma.PACKED, "FC-1", site) == LotIdentity("FC-1", site)


def test_a_divide_makes_no_row_and_a_repack_one_transformation_per_new_lot():
    assert rows_for(fsma.divide()) == ()

    rows = rows_for(fsma.repack())
    assert [row.cte for row in rows] == [Cte.TRANSFORMATION, Cte.TRANSFORMATION]
    assert [row.traceability_lot_code for row in rows] == ["FC-7781", "FC-7782"]
    assert [row.quantity for row in rows] == [Decimal("600"), Decimal("550")]
    assert {row.product_description for row in rows} == {
        "Avocado, Hass, brand FreshCo, 1 kg mesh bag"
    }
    assert {row.tlc_source for row in rows} == {
        fsma.REPACKER.text()  # no GLN: the place alone is the source
    }
    assert [row.input_lots[0].text() for row in rows] == [
        "SOL-2031-0502: 600 kg, Avocado, Hass, brand Sol, 10 kg carton",
        "SOL-2031-0502: 550 kg, Avocado, Hass, brand Sol, 10 kg carton",
    ]


def test_a_divided_part_ships_under_its_parents_code():
    part = after_split(SplitKind.DIVIDE, fsma.PACKED, "SOL-2031-0502-A", None)
    (row,) = rows_for(fsma.shipment(part))
    assert row.traceability_lot_code == "SOL-2031-0502"
    assert row.tlc_source == TlcSource.at(fsma.PACKHOUSE).text()


def test_a_registration_at_a_packhouse_is_the_initial_packing_where_the_lot_code_is_assigned():
    cooling, packing = rows_for(fsma.packing())

    assert cooling.cte == Cte.COOLING
    assert cooling.ship_to == fsma.PACKHOUSE.text()  # cooled food goes on to the packer
    assert packing.cte == Cte.INITIAL_PACKING
    assert packing.traceability_lot_code == "SOL-2031-0502"
    assert packing.packing_location == fsma.PACKHOUSE.text()
    assert packing.tlc_source == (f"{fsma.PACKHOUSE.text()}; https://id.gs1.org/414/7501234000024")
    assert packing.harvester == "Rancho La Loma; tel +52 452 100 0000"
    assert (packing.event_date, packing.event_time) == (date(2031, 5, 2), time(9, 30, 15))
    assert (packing.harvest_date, packing.received_date) == (date(2031, 5, 1), date(2031, 5, 2))
    assert (packing.cooling_location, packing.cooling_date) == (
        fsma.COOLER.text(),
        date(2031, 5, 1),
    )


def test_an_uncooled_packing_does_not_need_the_cooling():
    (packing,) = rows_for(replace(fsma.packing(), cooling=None))
    assert packing.cooling_location is None
    assert packing.missing_kdes == ()


def test_a_registration_in_a_field_is_a_harvest_of_the_farm_it_lies_in():
    harvest, cooling = rows_for(fsma.harvest())

    assert harvest.cte == Cte.HARVESTING
    assert harvest.farm == fsma.FARM.text()
    assert harvest.field_name == "Tabla 7"
    assert harvest.event_date == harvest.harvest_date == date(2031, 5, 1)
    assert harvest.event_time is None
    assert harvest.ship_to == fsma.COOLER.text()  # harvested food goes to the cooler
    assert harvest.tlc_source is None  # no lot code is assigned at a harvest
    assert cooling.ship_to == fsma.PACKHOUSE.text()  # then on to the packer


def test_a_registration_at_a_farm_names_the_farm_and_needs_the_field():
    at_farm = replace(fsma.harvest(), site_kind=LocationKind.FARM, site=fsma.FARM, farm=None,
                      cooling=None)  # fmt: skip
    (harvest,) = rows_for(at_farm)

    assert harvest.farm == fsma.FARM.text()
    assert harvest.ship_to == fsma.PACKHOUSE.text()
    assert harvest.missing_kdes == (Kde.FIELD,)
    (named,) = rows_for(replace(at_farm, field_name="Tabla 7"))
    assert named.missing_kdes == ()


def test_a_registration_anywhere_but_a_packhouse_is_a_harvest():
    for kind in (LocationKind.WAREHOUSE, LocationKind.COOLING, LocationKind.OTHER, None):
        registered = replace(fsma.harvest(), site_kind=kind, cooling=None)
        assert [row.cte for row in rows_for(registered)] == [Cte.HARVESTING]


def test_event_dates_and_times_are_utc_to_the_second():
    late = datetime(2031, 5, 3, 21, 15, 59, 999999, tzinfo=timezone(timedelta(hours=-6)))
    (row,) = rows_for(fsma.shipment(at=late))

    assert (row.event_date, row.event_time) == (date(2031, 5, 4), time(3, 15, 59))
