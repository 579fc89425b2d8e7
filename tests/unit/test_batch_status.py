from dataclasses import replace
from datetime import timedelta
from itertools import product
from uuid import uuid4

import pytest

from api.domain.batches import Batch, BatchStatus, IllegalTransition, Origin, Unit
from api.domain.errors import Conflict
from tests.support.builders import new_batch
from tests.support.fakes import START

LEGAL = {
    (BatchStatus.REGISTERED, BatchStatus.IN_TRANSIT),
    (BatchStatus.IN_TRANSIT, BatchStatus.DELIVERED),
    (BatchStatus.IN_TRANSIT, BatchStatus.REJECTED),
    (BatchStatus.REGISTERED, BatchStatus.CANCELLED),
    (BatchStatus.REGISTERED, BatchStatus.SPLIT),
    (BatchStatus.DELIVERED, BatchStatus.SPLIT),
}
ALL_PAIRS = list(product(BatchStatus, BatchStatus))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]
FINAL = [BatchStatus.REJECTED, BatchStatus.CANCELLED, BatchStatus.SPLIT]


def batch_in(status: BatchStatus) -> Batch:
    new = new_batch()
    return Batch(
        id=uuid4(),
        code="AGB-2031-000001",
        owner_id=uuid4(),
        product=new.product,
        variety=new.variety,
        origin=Origin("Finca", "CO"),
        harvest_date=new.harvest_date,
        quantity=new.quantity,
        unit=Unit.KG,
        status=status,
        created_at=START,
        updated_at=START,
    )


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_a_legal_transition_moves_the_batch_and_stamps_the_time(current, target):
    later = START + timedelta(hours=3)
    batch = batch_in(current)

    moved = batch.transition_to(target, later)

    assert moved.status == target
    assert moved.updated_at == later
    assert moved.created_at == START
    assert batch.status == current
    # Shipping a lot makes it public (its label travels with it); nothing else does.
    published = later if target == BatchStatus.IN_TRANSIT else None
    assert moved == replace(batch, status=target, updated_at=later, published_at=published)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_other_transition_is_refused(current, target):
    with pytest.raises(IllegalTransition) as caught:
        batch_in(current).transition_to(target, START)

    assert current.value in str(caught.value)
    assert target.value in str(caught.value)


@pytest.mark.parametrize("final", FINAL)
def test_a_final_state_has_no_way_out(final):
    batch = batch_in(final)
    for target in BatchStatus:
        with pytest.raises(IllegalTransition):
            batch.transition_to(target, START)


@pytest.mark.parametrize("status", list(BatchStatus))
def test_staying_in_the_same_status_is_not_a_transition(status):
    with pytest.raises(IllegalTransition):
        batch_in(status).transition_to(status, START)


def test_an_illegal_transition_is_reported_as_a_conflict():
    with pytest.raises(Conflict) as caught:
        batch_in(BatchStatus.DELIVERED).transition_to(BatchStatus.IN_TRANSIT, START)

    assert "delivered" in str(caught.value)


def test_a_batch_can_be_walked_from_registration_to_delivery():
    batch = batch_in(BatchStatus.REGISTERED)
    batch = batch.transition_to(BatchStatus.IN_TRANSIT, START + timedelta(days=1))
    batch = batch.transition_to(BatchStatus.DELIVERED, START + timedelta(days=2))

    assert batch.status == BatchStatus.DELIVERED
    assert batch.updated_at == START + timedelta(days=2)


def test_a_lot_is_published_once_and_stays_so():
    later = START + timedelta(hours=3)
    batch = batch_in(BatchStatus.REGISTERED)
    assert not batch.is_public

    published = batch.publish(START)

    assert published.is_public
    assert published.publish(later).published_at == START
    assert published.transition_to(BatchStatus.IN_TRANSIT, later).published_at == START
    assert published.transition_to(BatchStatus.CANCELLED, later).is_public
