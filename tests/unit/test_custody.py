from dataclasses import replace
from uuid import uuid4

import pytest

from api.domain.batches import BatchStatus, IllegalTransition
from api.domain.custody import MOVES, authorize_move, authorize_split
from api.domain.errors import NotPermitted, ValidationFailed
from api.domain.users import Actor, Role
from tests.unit.test_batch_status import batch_in

OWNER, RECIPIENT = Actor(uuid4(), Role.PRODUCER), Actor(uuid4(), Role.BUYER)


def held(status: BatchStatus, shipped: bool = True):
    batch = replace(batch_in(status), owner_id=OWNER.id)
    return replace(batch, recipient_id=RECIPIENT.id) if shipped else batch


@pytest.mark.parametrize(("pair", "move"), sorted(MOVES.items()))
def test_each_move_belongs_to_one_party_only(pair, move) -> None:
    current, target = pair
    batch = held(current, shipped=current != BatchStatus.REGISTERED)
    mine, theirs = (OWNER, RECIPIENT) if move.by == "owner" else (RECIPIENT, OWNER)
    inputs = {"has_recipient": move.needs_recipient, "has_reason": move.needs_reason}

    assert authorize_move(mine, batch, target, **inputs) == move
    if current != BatchStatus.REGISTERED:
        with pytest.raises(NotPermitted):
            authorize_move(theirs, batch, target, **inputs)


def test_an_outsider_may_make_no_move() -> None:
    with pytest.raises(NotPermitted):
        authorize_move(Actor(uuid4(), Role.AUDITOR), held(BatchStatus.IN_TRANSIT),
                       BatchStatus.DELIVERED, False, False)  # fmt: skip


def test_shipping_needs_a_recipient_and_rejecting_a_reason() -> None:
    with pytest.raises(ValidationFailed):
        authorize_move(OWNER, held(BatchStatus.REGISTERED, False), BatchStatus.IN_TRANSIT,
                       False, False)  # fmt: skip
    with pytest.raises(ValidationFailed):
        authorize_move(RECIPIENT, held(BatchStatus.IN_TRANSIT), BatchStatus.REJECTED, False, False)
    with pytest.raises(ValidationFailed):
        authorize_move(OWNER, held(BatchStatus.REGISTERED, False), BatchStatus.CANCELLED,
                       True, False)  # fmt: skip


def test_a_batch_shipped_before_custody_is_confirmed_by_its_owner() -> None:
    legacy = held(BatchStatus.IN_TRANSIT, shipped=False)
    assert authorize_move(OWNER, legacy, BatchStatus.DELIVERED, False, False).by == "recipient"


def test_the_holder_splits_the_owner_before_shipping_the_recipient_after_delivery() -> None:
    authorize_split(OWNER, held(BatchStatus.REGISTERED, shipped=False))
    authorize_split(RECIPIENT, held(BatchStatus.DELIVERED))
    with pytest.raises(NotPermitted):
        authorize_split(OWNER, held(BatchStatus.DELIVERED))
    with pytest.raises(IllegalTransition):
        authorize_split(RECIPIENT, held(BatchStatus.IN_TRANSIT))
