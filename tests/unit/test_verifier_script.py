"""scripts/verify_chain.py re-implements the documented encoding with the standard library; it
must agree with the API's on every value a chain can hold."""

from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from uuid import uuid4

import pytest

from api.domain.events import (
    NO_SALT,
    ChainBreak,
    EventData,
    canonical,
    link,
    reseal,
    timestamp,
    verify,
)
from tests.support.scripts import load_script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("scripts/verify_chain.py")


@pytest.mark.parametrize(
    "value",
    [
        {"note": 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f'},
        {"é": "ñandú", "z": "😀 outside the BMP", "a": "\u2028\u2029"},
        {"n": [0, -1, 2**53, True, False, None], "nested": {"b": {}, "a": []}},
        {"\u00e9": 1, "e": 2, "E": 3, "\U0001f600": 4, "\uff61": 5},
    ],
)
def test_the_script_encodes_as_the_api_does(script: ModuleType, value: object) -> None:
    assert script.jcs(value).encode() == canonical(value)


def test_the_script_reaches_the_same_verdict_on_a_chain(script: ModuleType) -> None:
    batch, head, events = uuid4(), None, []
    for n in range(3):
        head = link(batch, head, "shipped", datetime(2031, 1, 1, n, tzinfo=UTC), "producer",
                    {"n": n, "note": "ö\n"})  # fmt: skip
        events.append(head)
    served = [
        {"seq": e.seq, "type": e.type, "at": timestamp(e.at), "actor_role": e.actor_role,
         "data": e.data, "salt": e.salt.hex(), "prev_hash": e.prev_hash, "hash": e.hash}
        for e in events
    ]  # fmt: skip
    assert script.verdict(served, str(batch), [])["valid"] is True
    altered: EventData = {"n": 1, "note": "o\n"}
    served[1]["data"] = altered
    ours = verify([events[0], replace(events[1], data=altered), events[2]])
    assert ours.broken_at is not None
    assert script.verdict(served, str(batch), [])["broken_at"] == {
        "reason": ours.broken_at.reason,
        "seq": ours.broken_at.seq,
        "tx_hash": None,
    }


def test_the_script_checks_the_legacy_hashes_of_a_resealed_chain(script: ModuleType) -> None:
    batch, head, events = uuid4(), None, []
    for n in range(3):
        head = link(batch, head, "shipped", datetime(2031, 1, 1, n, tzinfo=UTC), "producer",
                    {"n": n}, NO_SALT)  # fmt: skip
        events.append(head)
    sealed = reseal(events)
    served = [
        {"seq": e.seq, "type": e.type, "at": timestamp(e.at), "actor_role": e.actor_role,
         "data": e.data, "salt": e.salt.hex(), "prev_hash": e.prev_hash, "hash": e.hash,
         "legacy_hash": e.legacy_hash}
        for e in sealed
    ]  # fmt: skip
    assert script.verdict(served, str(batch), [])["valid"] is True
    served[2]["legacy_hash"] = events[1].hash
    assert script.verdict(served, str(batch), [])["broken_at"] == {
        "reason": "legacy_hash_mismatch",
        "seq": 3,
        "tx_hash": None,
    }
    assert verify([*sealed[:2], replace(sealed[2], legacy_hash=events[1].hash)]).broken_at == (
        ChainBreak("legacy_hash_mismatch", seq=3)
    )
