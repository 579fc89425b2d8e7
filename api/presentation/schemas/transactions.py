from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, StringConstraints

from api.domain.transactions import EventType, TxStatus
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime
from api.presentation.schemas.fields import BlockNumber

TX_EXAMPLE: dict[str, Any] = {
    "tx_hash": "0x8f2a559490a6d1a0c9c1f3d5e1b4f1b7f5a3c2e1d0b9a8f7e6d5c4b3a2918070",
    "network": "polygon-amoy",
    "event_type": "shipped",
}


class TransactionIn(RequestModel):
    """A blockchain transaction that anchors one of the batch's events."""

    model_config = ConfigDict(json_schema_extra={"examples": [TX_EXAMPLE]})

    tx_hash: Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]
    network: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    event_type: EventType
    block_number: BlockNumber | None = None
    status: TxStatus = TxStatus.PENDING
    payload_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    # The batch event this transaction vouches for; the chain's head when left out.
    anchor_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None


class TransactionOut(ResponseModel):
    """A recorded transaction; hashes are lower-case."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **TX_EXAMPLE,
                    "id": "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
                    "batch_id": "0b6c3f9e-2d4a-4a57-9a3e-3f1c2b7d8e90",
                    "block_number": None,
                    "status": "pending",
                    "payload_hash": None,
                    "created_at": "2026-10-04T09:00:00Z",
                    "confirmed_at": None,
                    "anchor_hash": None,
                }
            ]
        },
    )

    id: UUID
    batch_id: UUID
    tx_hash: str
    network: str
    event_type: EventType
    block_number: int | None
    status: TxStatus
    payload_hash: str | None
    created_at: UtcDatetime
    confirmed_at: UtcDatetime | None
    anchor_hash: str | None


class TransactionPage(BaseModel):
    """A page of a batch's transactions, newest first."""

    data: list[TransactionOut]
    next_cursor: str | None
