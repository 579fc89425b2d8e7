"""The Critical Tracking Events we record and the Key Data Elements the rule asks of each.

Transcribed from 21 CFR 1.1325 (harvesting, cooling), 1.1330(a) (initial packing), 1.1340(a)
(shipping), 1.1345(a) (receiving) and 1.1350(a) (transformation), in the rule's order.
"""

from enum import StrEnum


class Cte(StrEnum):
    """A Critical Tracking Event."""

    HARVESTING = "harvesting"
    COOLING = "cooling"
    INITIAL_PACKING = "initial_packing"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    TRANSFORMATION = "transformation"


class Kde(StrEnum):
    """A Key Data Element, named as a row's `missing_kdes` names it."""

    TRACEABILITY_LOT_CODE = "traceability_lot_code"
    # Where the lot code was assigned: its location description, or a reference to it (a GLN,
    # a web address). Initial packing and transformation name their own location instead.
    TLC_SOURCE = "tlc_source"
    PRODUCT_DESCRIPTION = "product_description"
    COMMODITY_AND_VARIETY = "commodity_and_variety"
    QUANTITY_AND_UNIT = "quantity_and_unit"
    # The immediate subsequent recipient (other than a transporter): the ship-to.
    SUBSEQUENT_RECIPIENT = "subsequent_recipient_location"
    SHIP_FROM = "ship_from_location"
    # The immediate previous source (other than a transporter).
    PREVIOUS_SOURCE = "previous_source_location"
    RECEIVING_LOCATION = "receiving_location"
    FARM = "farm_location"
    FIELD = "field_name"
    HARVESTER = "harvester_business_name_and_phone"
    HARVEST_DATE = "harvest_date"
    COOLING_LOCATION = "cooling_location"
    COOLING_DATE = "cooling_date"
    # What the initial packer received before packing.
    RECEIVED_DATE = "received_date"
    RECEIVED_QUANTITY = "received_quantity_and_unit"
    # Where the food was initially packed or transformed: the lot code's source.
    PACKING_LOCATION = "packing_location"
    TRANSFORMATION_LOCATION = "transformation_location"
    PACKING_DATE = "packing_date"
    SHIP_DATE = "ship_date"
    RECEIVING_DATE = "receiving_date"
    TRANSFORMATION_DATE = "transformation_date"
    # Each input lot's code, product description and the quantity used from it.
    INPUT_LOTS = "input_lots"
    REFERENCE_DOCUMENT = "reference_document"


K = Kde
REQUIRED_KDES: dict[Cte, tuple[Kde, ...]] = {
    # 1.1325(a)(1)(i)-(viii)
    Cte.HARVESTING: (
        K.SUBSEQUENT_RECIPIENT, K.COMMODITY_AND_VARIETY, K.QUANTITY_AND_UNIT, K.FARM, K.FIELD,
        K.HARVEST_DATE, K.REFERENCE_DOCUMENT,
    ),
    # 1.1325(b)(1)(i)-(vii)
    Cte.COOLING: (
        K.SUBSEQUENT_RECIPIENT, K.COMMODITY_AND_VARIETY, K.QUANTITY_AND_UNIT, K.COOLING_LOCATION,
        K.COOLING_DATE, K.FARM, K.REFERENCE_DOCUMENT,
    ),
    # 1.1330(a)(1)-(16), less the aquaculture container (6) and the cooling (9, 10): IF_COOLED.
    Cte.INITIAL_PACKING: (
        K.COMMODITY_AND_VARIETY, K.RECEIVED_DATE, K.RECEIVED_QUANTITY, K.FARM, K.FIELD,
        K.HARVESTER, K.HARVEST_DATE, K.TRACEABILITY_LOT_CODE, K.PRODUCT_DESCRIPTION,
        K.QUANTITY_AND_UNIT, K.PACKING_LOCATION, K.PACKING_DATE, K.REFERENCE_DOCUMENT,
    ),
    # 1.1340(a)(1)-(8); (1)-(7) travel with the food to the recipient (1.1340(b)).
    Cte.SHIPPING: (
        K.TRACEABILITY_LOT_CODE, K.QUANTITY_AND_UNIT, K.PRODUCT_DESCRIPTION,
        K.SUBSEQUENT_RECIPIENT, K.SHIP_FROM, K.SHIP_DATE, K.TLC_SOURCE, K.REFERENCE_DOCUMENT,
    ),
    # 1.1345(a)(1)-(8)
    Cte.RECEIVING: (
        K.TRACEABILITY_LOT_CODE, K.QUANTITY_AND_UNIT, K.PRODUCT_DESCRIPTION, K.PREVIOUS_SOURCE,
        K.RECEIVING_LOCATION, K.RECEIVING_DATE, K.TLC_SOURCE, K.REFERENCE_DOCUMENT,
    ),
    # 1.1350(a)(1)(i)-(iii) for the inputs, (a)(2)(i)-(vi) for the new lot.
    Cte.TRANSFORMATION: (
        K.INPUT_LOTS, K.TRACEABILITY_LOT_CODE, K.TRANSFORMATION_LOCATION, K.TRANSFORMATION_DATE,
        K.PRODUCT_DESCRIPTION, K.QUANTITY_AND_UNIT, K.REFERENCE_DOCUMENT,
    ),
}  # fmt: skip

# 1.1330(a)(9) and (10): where and when the food was cooled, "if applicable".
IF_COOLED: tuple[Kde, ...] = (K.COOLING_LOCATION, K.COOLING_DATE)


def required_kdes(cte: Cte, cooled: bool = False) -> tuple[Kde, ...]:
    """What a record of `cte` must hold; an initial packing of cooled food also its cooling."""
    if cte is Cte.INITIAL_PACKING and cooled:
        return REQUIRED_KDES[cte] + IF_COOLED
    return REQUIRED_KDES[cte]
