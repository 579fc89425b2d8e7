"""Who may move a batch where: the status machine with its parties (docs/API.md, "Custody").

| from        | to          | by        | needs                     | event         |
|-------------|-------------|-----------|---------------------------|---------------|
| registered  | in_transit  | owner     | `recipient`: a buyer      | `shipped`     |
| registered  | cancelled   | owner     |                           | `cancelled`   |
| in_transit  | delivered   | recipient |                           | `delivered`   |
| in_transit  | rejected    | recipient | `reason`                  | `rejected`    |
| registered  | split       | owner     | POST /batches/{id}/split  | `split`       |
| delivered   | split       | recipient | POST /batches/{id}/split  | `split`       |

A batch shipped before custody existed has no recipient; its owner holds both parts.
"""

from dataclasses import dataclass
from enum import StrEnum

from api.domain.batches import Batch, BatchStatus, IllegalTransition
from api.domain.errors import FieldIssue, NotPermitted, ValidationFailed
from api.domain.users import Actor


class Party(StrEnum):
    OWNER = "owner"
    RECIPIENT = "recipient"


class EventType(StrEnum):
    """What happened to a batch: the types of its hash-chained events."""

    CREATED = "created"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    SPLIT = "split"
    TRANSACTION_RECORDED = "transaction_recorded"


@dataclass(frozen=True)
class Move:
    by: Party
    event: EventType
    needs_recipient: bool = False
    needs_reason: bool = False


S = BatchStatus
MOVES: dict[tuple[BatchStatus, BatchStatus], Move] = {
    (S.REGISTERED, S.IN_TRANSIT): Move(Party.OWNER, EventType.SHIPPED, needs_recipient=True),
    (S.REGISTERED, S.CANCELLED): Move(Party.OWNER, EventType.CANCELLED),
    (S.IN_TRANSIT, S.DELIVERED): Move(Party.RECIPIENT, EventType.DELIVERED),
    (S.IN_TRANSIT, S.REJECTED): Move(Party.RECIPIENT, EventType.REJECTED, needs_reason=True),
}
# Splitting goes through its own endpoint; the holder at that point does it.
SPLITS: dict[BatchStatus, Party] = {S.REGISTERED: Party.OWNER, S.DELIVERED: Party.RECIPIENT}


def parties(actor: Actor, batch: Batch) -> frozenset[Party]:
    """The parts the caller's organisation plays in the batch's custody."""
    mine = set()
    if batch.owner_id == actor.org:
        mine.add(Party.OWNER)
        if batch.recipient_id is None:
            mine.add(Party.RECIPIENT)
    if batch.recipient_id == actor.org:
        mine.add(Party.RECIPIENT)
    return frozenset(mine)


def _forbidden(message: str, batch: Batch) -> NotPermitted:
    # Naming the batch, for the audit trail's record of the refusal.
    return NotPermitted(message, target_type="batch", target_id=str(batch.id))


def ensure_party(actor: Actor, batch: Batch) -> frozenset[Party]:
    """The caller's parts in the batch, if their organisation has one and they may act on it
    (viewers may not); a 403 otherwise."""
    mine = parties(actor, batch)
    if not mine:
        raise _forbidden("only the batch's owner or recipient can change it", batch)
    if not actor.operates:
        raise _forbidden("viewers of an organisation cannot change its batches", batch)
    return mine


def authorize_move(
    actor: Actor, batch: Batch, to: BatchStatus, has_recipient: bool, has_reason: bool
) -> Move:
    """The move from the batch's status to `to`, if this caller may make it with these inputs."""
    mine = ensure_party(actor, batch)
    move = MOVES.get((batch.status, to))
    if move is None:
        raise IllegalTransition(f"a {batch.status} batch cannot become {to}")
    if move.by not in mine:
        raise _forbidden(f"only the batch's {move.by} can mark it {to}", batch)
    if move.needs_recipient and not has_recipient:
        raise ValidationFailed(
            "name the buyer the batch is shipped to",
            [FieldIssue("recipient", "required when the status is in_transit")],
        )
    if has_recipient and not move.needs_recipient:
        raise ValidationFailed(
            "a recipient is named only when shipping",
            [FieldIssue("recipient", "allowed only when the status is in_transit")],
        )
    if move.needs_reason and not has_reason:
        raise ValidationFailed(
            "say why the batch is rejected", [FieldIssue("reason", "required when rejecting")]
        )
    return move


def authorize_split(actor: Actor, batch: Batch) -> None:
    mine = ensure_party(actor, batch)
    by = SPLITS.get(batch.status)
    if by is None:
        raise IllegalTransition(f"a {batch.status} batch cannot be split")
    if by not in mine:
        raise _forbidden(f"only the batch's {by} can split a {batch.status} batch", batch)
