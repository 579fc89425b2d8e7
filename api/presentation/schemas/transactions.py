from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from api.domain.transactions import EventType, TxStatus
from api.presentation.schemas.common import RequestModel, ResponseModel, UtcDatetime


class TransactionIn(RequestModel):
    tx_hash: Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{64}$")]
    network: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    event_type: EventType
    block_number: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    status: TxStatus = TxStatus.PENDING
    payload_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    # The batch event this transaction vouches for; the chain's head when left out.
    anchor_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None


class TransactionOut(ResponseModel):
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
    data: list[TransactionOut]
    next_cursor: str | None
