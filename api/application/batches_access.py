"""Who may see and act on a batch, as 404s and 403s."""

from uuid import UUID

from api.domain.batches import Batch, can_read
from api.domain.custody import ensure_party
from api.domain.errors import Hidden, NotFound
from api.domain.users import Actor


def not_found(batch_id: UUID) -> NotFound:
    return NotFound(f"batch {batch_id} not found")


def ensure_can_read(actor: Actor, batch: Batch | None, batch_id: UUID) -> Batch:
    """A batch the caller may not see does not exist for them: 404, never 403."""
    if batch is None:
        raise not_found(batch_id)
    if not can_read(actor, batch):
        raise Hidden(not_found(batch_id).message, target_type="batch", target_id=str(batch_id))
    return batch


def ensure_can_change(actor: Actor, batch: Batch | None, batch_id: UUID) -> Batch:
    """One they can see but are neither owner nor recipient of is a 403."""
    batch = ensure_can_read(actor, batch, batch_id)
    ensure_party(actor, batch)
    return batch
