"""The public view of a batch: what the product's label may show to anyone, and no more."""

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from api.application.public import PublicBatch
from api.domain.batches import BatchStatus, Unit
from api.domain.explorers import explorer_url
from api.presentation.schemas.batches import QuantityOut
from api.presentation.schemas.common import UtcDatetime, rfc3339
from api.presentation.schemas.events import (
    EVENT_EXAMPLE,
    PRIVATE_FIELDS,
    VerificationOut,
    event_json,
    verification_json,
)


class PublicOriginOut(BaseModel):
    """Where the batch was grown, as far as its producer made it public."""

    region: str | None
    country: str
    # Only when the producer opted in (farm_public).
    farm: str | None


class PublicEventOut(BaseModel):
    """One event of the chain, without its data: what happened, when, and its hashes. The
    data_hash is a salted commitment: it proves the data unchanged to whoever is shown the data
    and its salt, and lets nobody else test guesses of it."""

    seq: int
    type: str
    at: str
    actor_role: str
    data_hash: str
    prev_hash: str
    hash: str


class PublicTransactionOut(BaseModel):
    """A blockchain transaction anchoring the chain, with a link to a block explorer."""

    tx_hash: str
    network: str
    status: str
    block_number: int | None
    anchor_hash: str | None
    explorer_url: str | None
    recorded_at: UtcDatetime


class PublicBatchOut(BaseModel):
    """What anyone holding the product may see about its batch."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": "0b6c3f9e-2d4a-4a57-9a3e-3f1c2b7d8e90",
                    "code": "AGB-7K3Q-9XD2-M4TN",
                    "product": "avocado",
                    "variety": "Hass",
                    "origin": {"region": "Michoacan", "country": "MX", "farm": None},
                    "harvest_date": "2026-10-02",
                    "quantity": "1250.500",
                    "unit": "kg",
                    "status": "registered",
                    "parent_code": None,
                    "timeline": [
                        {k: v for k, v in EVENT_EXAMPLE.items() if k not in PRIVATE_FIELDS}
                    ],
                    "transactions": [],
                    "verification": {
                        "valid": True,
                        "length": 1,
                        "head_hash": EVENT_EXAMPLE["hash"],
                        "broken_at": None,
                    },
                    "verify_url": "https://agrobridge.example/verify/AGB-7K3Q-9XD2-M4TN",
                }
            ]
        }
    )

    batch_id: UUID
    code: str
    product: str
    variety: str | None
    origin: PublicOriginOut
    harvest_date: date
    quantity: QuantityOut
    unit: Unit
    status: BatchStatus
    parent_code: str | None
    timeline: list[PublicEventOut]
    transactions: list[PublicTransactionOut]
    verification: VerificationOut
    verify_url: str


def public_json(view: PublicBatch, verify_url: str) -> dict[str, Any]:
    batch = view.batch
    origin = batch.origin
    return {
        "batch_id": str(batch.id),
        "code": batch.code,
        "product": batch.product,
        "variety": batch.variety,
        "origin": {
            "region": origin.region,
            "country": origin.country,
            "farm": origin.farm if batch.farm_public else None,
        },
        "harvest_date": batch.harvest_date.isoformat(),
        "quantity": f"{batch.quantity:.3f}",
        "unit": batch.unit.value,
        "status": batch.status.value,
        "parent_code": view.parent_code,
        "timeline": [event_json(e, with_data=False) for e in view.chain.events],
        "transactions": [
            {
                "tx_hash": t.tx_hash,
                "network": t.network,
                "status": t.status.value,
                "block_number": t.block_number,
                "anchor_hash": t.anchor_hash,
                "explorer_url": explorer_url(t.network, t.tx_hash),
                "recorded_at": rfc3339(t.created_at),
            }
            for t in view.chain.transactions
        ],
        "verification": verification_json(view.chain.verification),
        "verify_url": verify_url,
    }
