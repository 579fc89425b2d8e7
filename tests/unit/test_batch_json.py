"""The fast batch renderer says exactly what the documented BatchOut schema says."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from api.domain.batches import Batch, BatchStatus, Origin, Unit
from api.presentation.schemas.batches import BatchOut, batch_json

BATCH = Batch(
    id=uuid4(),
    code="AGB-2026-000123",
    owner_id=uuid4(),
    product="avocado",
    variety="Hass",
    origin=Origin(farm="La Loma", country="MX", region="Michoacan"),
    harvest_date=date(2026, 10, 2),
    quantity=Decimal("1250.5"),
    unit=Unit.KG,
    status=BatchStatus.IN_TRANSIT,
    created_at=datetime(2026, 11, 27, 14, 30, 0, 123456, tzinfo=UTC),
    updated_at=datetime(2026, 11, 27, 9, 31, tzinfo=timezone(timedelta(hours=-5))),
)


@pytest.mark.parametrize(
    "batch",
    [
        BATCH,
        replace(BATCH, variety=None, origin=Origin(farm="F", country="KE"), unit=Unit.T),
        replace(BATCH, quantity=Decimal("0.001"), status=BatchStatus.DELIVERED),
        replace(
            BATCH,
            created_by=uuid4(),
            origin_location_id=uuid4(),
            ship_from_location_id=uuid4(),
            ship_to_location_id=uuid4(),
            gtin="07038010000065",
        ),
    ],
)
def test_the_fast_renderer_matches_the_documented_schema(batch: Batch) -> None:
    assert batch_json(batch) == BatchOut.model_validate(batch).model_dump(mode="json")


def test_times_are_utc_with_a_z_and_quantities_keep_three_decimals() -> None:
    rendered = batch_json(BATCH)
    assert rendered["created_at"] == "2026-11-27T14:30:00.123456Z"
    assert rendered["updated_at"] == "2026-11-27T14:31:00Z"
    assert rendered["quantity"] == "1250.500"
