from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4


class TxStatus(StrEnum):
    """Whether the chain has confirmed the transaction."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class EventType(StrEnum):
    """The batch event a transaction anchors."""

    REGISTERED = "registered"
    STATUS_CHANGED = "status_changed"
    CERTIFIED = "certified"
    SHIPPED = "shipped"
    RECEIVED = "received"


@dataclass(frozen=True)
class NewTransaction:
    tx_hash: str
    network: str
    event_type: EventType
    status: TxStatus = TxStatus.PENDING
    block_number: int | None = None
    payload_hash: str | None = None
    # The batch event it vouches for; the chain's head when the record is made if not given.
    anchor_hash: str | None = None

    def record(self, batch_id: UUID, at: datetime) -> "Transaction":
        """The record as it is first stored for `batch_id` at `at`."""
        return Transaction(
            id=uuid4(),
            batch_id=batch_id,
            tx_hash=self.tx_hash,
            network=self.network,
            event_type=self.event_type,
            status=self.status,
            block_number=self.block_number,
            payload_hash=self.payload_hash,
            created_at=at,
            confirmed_at=at if self.status == TxStatus.CONFIRMED else None,
            anchor_hash=self.anchor_hash,
        )


@dataclass(frozen=True)
class Transaction:
    id: UUID
    batch_id: UUID
    tx_hash: str
    network: str
    event_type: EventType
    status: TxStatus
    block_number: int | None
    payload_hash: str | None
    created_at: datetime
    confirmed_at: datetime | None
    anchor_hash: str | None = None
