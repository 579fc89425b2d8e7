"""Small value builders shared by the unit and HTTP-layer tests."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

from api.domain.audit import RequestContext
from api.domain.batches import NewBatch, Origin, Unit
from api.domain.gs1 import check_digit
from api.domain.transactions import EventType, NewTransaction
from api.domain.users import Actor, Role

CTX = RequestContext(request_id="req-1", ip="203.0.113.7", user_agent="pytest")


def actor(role: Role = Role.PRODUCER) -> Actor:
    return Actor(uuid4(), role)


def new_batch(code: str | None = None, product: str = "Coffee") -> NewBatch:
    return NewBatch(
        product=product,
        origin=Origin(farm="Finca La Esperanza", country="CO", region="Huila"),
        harvest_date=date(2031, 2, 1),
        quantity=Decimal("1250.500"),
        unit=Unit.KG,
        variety="Castillo",
        code=code,
    )


def new_tx(tx_hash: str, payload_hash: str | None = None) -> NewTransaction:
    return NewTransaction(
        tx_hash=tx_hash,
        network="polygon-amoy",
        event_type=EventType.REGISTERED,
        payload_hash=payload_hash,
    )


def tx_hash(n: int) -> str:
    return "0x" + f"{n:x}".rjust(64, "a")


def random_gln(prefix: str = "") -> str:
    """A GLN no other test has: random digits after `prefix`, and their GS1 check digit."""
    body = (prefix + str(uuid4().int))[:12]
    return body + str(check_digit(body))
