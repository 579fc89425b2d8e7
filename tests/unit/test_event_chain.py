import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from api.domain.events import (
    GENESIS,
    NO_SALT,
    SALT_BYTES,
    BatchEvent,
    canonical,
    link,
    reseal,
    timestamp,
    verify,
)
from api.presentation.schemas.events import EVENT_EXAMPLE
from api.presentation.schemas.public import PublicBatchOut

BATCH = UUID("0b6f1c3e-2d4a-4f5e-9a7b-8c9d0e1f2a3b")
T0 = datetime(2031, 3, 14, 9, 26, 53, 58979, tzinfo=UTC)


def chain(length: int = 4) -> list[BatchEvent]:
    events, head = [], None
    for n in range(length):
        head = link(BATCH, head, "created" if n == 0 else "shipped", T0 + timedelta(hours=n),
                    "producer", {"n": n, "note": "ñandú \"x\"\n"})  # fmt: skip
        events.append(head)
    return events


def test_the_canonical_encoding_is_rfc_8785_for_the_values_events_hold() -> None:
    value = {"b": [1, True, None], "a": {"z": "é\u0001\t", "y": -3}, "A": ""}
    assert canonical(value) == b'{"A":"","a":{"y":-3,"z":"\xc3\xa9\\u0001\\t"},"b":[1,true,null]}'
    with pytest.raises(ValueError, match="Out of range"):
        canonical({"x": float("nan")})


def test_an_event_hash_is_sha256_over_the_documented_fields() -> None:
    salt = bytes(range(32))
    first = link(BATCH, None, "created", T0, "producer", {"code": "AGB-1"}, salt)
    data_hash = hashlib.sha256(salt + b'{"code":"AGB-1"}').hexdigest()
    assert first.data_hash == data_hash
    body = (
        '{"actor_role":"producer","at":"2031-03-14T09:26:53.058979Z",'
        f'"batch_id":"{BATCH}","data_hash":"{data_hash}","prev_hash":"{GENESIS}",'
        '"seq":1,"type":"created"}'
    )
    assert first.hash == hashlib.sha256(body.encode()).hexdigest()
    assert timestamp(T0) == "2031-03-14T09:26:53.058979Z"
    second = link(BATCH, first, "shipped", T0, "producer", {})
    assert (second.seq, second.prev_hash) == (2, first.hash)


def test_an_intact_chain_verifies() -> None:
    events = chain()
    result = verify(events, [("0xabc", events[1].hash)])
    assert (result.valid, result.length, result.head_hash) == (True, 4, events[-1].hash)


@pytest.mark.parametrize(
    ("change", "reason", "seq"),
    [
        (lambda e: replace(e, data={"n": 99}), "hash_mismatch", 3),
        (lambda e: replace(e, actor_role="buyer"), "hash_mismatch", 3),
        (lambda e: replace(e, at=e.at + timedelta(microseconds=1)), "hash_mismatch", 3),
        (lambda e: replace(e, prev_hash=GENESIS), "prev_hash_mismatch", 3),
        (lambda e: replace(e, seq=7), "sequence_gap", 7),
    ],
)
def test_a_changed_event_breaks_the_chain_where_it_was_changed(change, reason, seq) -> None:
    events = chain()
    events[2] = change(events[2])
    result = verify(events)
    assert not result.valid
    assert result.broken_at is not None
    assert (result.broken_at.reason, result.broken_at.seq) == (reason, seq)


def test_a_rehashed_event_breaks_the_link_after_it() -> None:
    events = chain()
    forged = link(BATCH, events[1], "shipped", events[2].at, "producer", {"n": 99})
    events[2] = forged
    result = verify(events)
    assert result.broken_at is not None
    assert (result.broken_at.reason, result.broken_at.seq) == ("prev_hash_mismatch", 4)


def test_a_rewritten_tail_leaves_an_anchor_pointing_nowhere() -> None:
    events = chain()
    anchored = events[2].hash
    rewritten = events[:2]
    for n in (2, 3):
        rewritten.append(link(BATCH, rewritten[-1], "shipped", T0, "producer", {"n": -n}))
    result = verify(rewritten, [("0xfeed", anchored)])
    assert result.broken_at is not None
    assert (result.valid, result.broken_at.reason, result.broken_at.tx_hash) == (
        False,
        "anchor_not_in_chain",
        "0xfeed",
    )


def test_every_event_gets_a_salt_of_its_own_so_equal_data_commits_differently() -> None:
    first = link(BATCH, None, "shipped", T0, "producer", {"recipient_id": "b"})
    second = link(BATCH, None, "shipped", T0, "producer", {"recipient_id": "b"})
    assert len(first.salt) == SALT_BYTES
    assert first.salt != second.salt
    assert first.data_hash != second.data_hash
    unsalted = hashlib.sha256(canonical({"recipient_id": "b"})).hexdigest()
    assert unsalted not in (first.data_hash, second.data_hash)


def unsalted_chain() -> list[BatchEvent]:
    events, head = [], None
    for n in range(3):
        head = link(BATCH, head, "shipped", T0 + timedelta(hours=n), "producer", {"n": n}, NO_SALT)
        events.append(head)
    return events


def test_a_resealed_chain_verifies_and_keeps_the_old_hashes_checkable() -> None:
    old = unsalted_chain()
    sealed = reseal(old)

    assert verify(sealed, [("0xabc", sealed[1].hash)]).valid
    assert [e.legacy_hash for e in sealed] == [e.hash for e in old]
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert all(len(e.salt) == SALT_BYTES for e in sealed)
    assert not {e.hash for e in sealed} & {e.hash for e in old}
    # Whoever holds the data recomputes the old hashes from it.
    prev = GENESIS
    for event in sealed:
        assert event.computed_legacy_hash(prev) == event.legacy_hash
        prev = event.hash if event.legacy_hash is None else event.legacy_hash


def test_resealing_does_not_hide_data_changed_before_it() -> None:
    old = unsalted_chain()
    old[1] = replace(old[1], data={"n": 99})

    result = verify(reseal(old))

    assert result.broken_at is not None
    assert (result.broken_at.reason, result.broken_at.seq) == ("legacy_hash_mismatch", 2)


def test_the_documents_example_event_hashes_as_documented() -> None:
    examples: Any = PublicBatchOut.model_config.get("json_schema_extra", {})
    [public] = examples["examples"]
    event: dict[str, Any] = EVENT_EXAMPLE
    salt = bytes.fromhex(event["salt"])
    assert event["data_hash"] == hashlib.sha256(salt + canonical(event["data"])).hexdigest()
    at = datetime.fromisoformat(event["at"])
    again = link(UUID(public["batch_id"]), None, event["type"], at, "producer", event["data"], salt)
    assert (again.data_hash, again.hash) == (event["data_hash"], event["hash"])
    assert public["timeline"][0]["hash"] == event["hash"]
