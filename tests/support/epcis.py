"""One input of each of our events that is an EPCIS event, as the next step will build them:
a lot of avocados registered on a Mexican farm, shipped to a buyer's warehouse in Germany."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from api.domain.batches import Unit
from api.domain.custody import EventType
from api.domain.epcis.events import BizTransaction, EpcisInput, Ilmd, Quantity
from api.domain.epcis.identifiers import location_uri, lot_uri, party_uri

HOST = "trace.agrobridge.example"
MEXICO = timezone(timedelta(hours=-6))
GERMANY = timezone(timedelta(hours=2))

CODE = "AGB-7K3Q-9XD2-M4TN"
LOT = lot_uri(HOST, CODE, gtin="7038010000065")
SUB_LOTS = (lot_uri(HOST, "AGB-5HN3-WQ7C-2KDW"), lot_uri(HOST, "AGB-2QX8-PZ4M-6TR3"))
FARM = location_uri(HOST, UUID("0b9a4c1e-5d38-4f4e-9a51-0d6f2f0c7a11"), "7501234000017", "field/3")
WAREHOUSE = location_uri(HOST, UUID("5f0e2b7d-8c61-4f0a-b2d4-3e9c1a7b6d22"))
PRODUCER = party_uri(HOST, UUID("9c3d1f2e-7a4b-4c5d-8e6f-1a2b3c4d5e6f"), "7501234000017")
BUYER = party_uri(HOST, UUID("2e4f6a8b-1c3d-4e5f-9a7b-6c8d0e2f4a6b"))
DESPATCH_ADVICE = BizTransaction("desadv", f"https://{HOST}/id/desadv/AGB-7K3Q-9XD2-M4TN-1")
PREVIOUS = "ni:///sha-256;" + "5e" * 32 + "?ver=CBV2.0"
SALT = "3b1f0c9e8d7a6f5e4d3c2b1a0f9e8d7c"
HARVEST = Ilmd(date(2025, 4, 30), "MX", lot_number=CODE)

WHOLE = (Quantity(LOT, Decimal("1200.500"), Unit.KG),)

INPUTS: dict[EventType, EpcisInput] = {
    EventType.CREATED: EpcisInput(
        EventType.CREATED,
        datetime(2025, 5, 1, 8, 30, 15, 250000, tzinfo=MEXICO),
        WHOLE,
        SALT,
        read_point=FARM,
        biz_location=FARM,
        ilmd=HARVEST,
    ),
    EventType.SHIPPED: EpcisInput(
        EventType.SHIPPED,
        datetime(2025, 5, 2, 6, 0, tzinfo=MEXICO),
        WHOLE,
        SALT,
        previous_event_id=PREVIOUS,
        read_point=FARM,
        source_party=PRODUCER,
        source_location=FARM,
        destination_party=BUYER,
        destination_location=WAREHOUSE,
        biz_transactions=(DESPATCH_ADVICE,),
    ),
    EventType.CANCELLED: EpcisInput(
        EventType.CANCELLED,
        datetime(2025, 5, 1, 18, 0, tzinfo=MEXICO),
        WHOLE,
        SALT,
        previous_event_id=PREVIOUS,
        read_point=FARM,
    ),
    EventType.DELIVERED: EpcisInput(
        EventType.DELIVERED,
        datetime(2025, 5, 9, 7, 45, tzinfo=GERMANY),
        WHOLE,
        SALT,
        previous_event_id=PREVIOUS,
        read_point=WAREHOUSE,
        biz_location=WAREHOUSE,
        source_party=PRODUCER,
        source_location=FARM,
        destination_party=BUYER,
        destination_location=WAREHOUSE,
        biz_transactions=(DESPATCH_ADVICE,),
    ),
    EventType.REJECTED: EpcisInput(
        EventType.REJECTED,
        datetime(2025, 5, 9, 8, 0, tzinfo=GERMANY),
        WHOLE,
        SALT,
        previous_event_id=PREVIOUS,
        read_point=WAREHOUSE,
        biz_location=WAREHOUSE,
    ),
    EventType.SPLIT: EpcisInput(
        EventType.SPLIT,
        datetime(2025, 5, 10, 9, 0, tzinfo=UTC),
        WHOLE,
        SALT,
        previous_event_id=PREVIOUS,
        outputs=(
            Quantity(SUB_LOTS[0], Decimal("700"), Unit.KG),
            Quantity(SUB_LOTS[1], Decimal("500.500"), Unit.KG),
        ),
        read_point=WAREHOUSE,
        biz_location=WAREHOUSE,
        ilmd=Ilmd(HARVEST.harvest_date, HARVEST.country_of_origin),
    ),
}
