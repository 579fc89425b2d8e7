"""The scale seed's rows, made without a database: valid chains, the promised shape, and the
same rows for the same seed (the loading itself runs in `just bench-scale`)."""

import json
from collections import Counter, defaultdict
from typing import Any

from api.domain.events import BatchEvent, verify
from api.infrastructure.db.batches import COLUMNS
from tests.bench.seed_scale import EVENT_COLUMNS, Rows, Seeder


def made(lots: int, seed: int = 3) -> Rows:
    rows = Rows()
    for part in Seeder(lots, seed).chunks(250):
        for name in ("batches", "events", "transactions", "audit"):
            getattr(rows, name).extend(getattr(part, name))
    return rows


def chains(rows: Rows) -> dict[Any, list[BatchEvent]]:
    out: dict[Any, list[BatchEvent]] = defaultdict(list)
    for row in rows.events:
        e = dict(zip(EVENT_COLUMNS, row, strict=True))
        salt, data = bytes.fromhex(e["salt"]), json.loads(e["data"])
        event = BatchEvent(
            e["batch_id"], e["seq"], e["type"], e["at"], e["actor_role"], data, e["prev_hash"],
            e["hash"], salt,
        )  # fmt: skip
        out[e["batch_id"]].append(event)
    return out


def test_every_lot_has_a_valid_chain_and_its_anchors_name_its_events() -> None:
    rows = made(1000)
    by_lot = chains(rows)
    anchors: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for tx in rows.transactions:
        anchors[tx[1]].append((tx[2], tx[10]))

    assert len(rows.batches) == 1000
    assert set(by_lot) == {row[0] for row in rows.batches}
    for lot, events in by_lot.items():
        assert verify(events, anchors[lot]).valid


def test_roots_have_5_to_20_events_and_some_are_split_three_levels_deep() -> None:
    rows = made(1000)
    lots = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows.batches}
    lengths = Counter({lot: len(events) for lot, events in chains(rows).items()})

    def depth(lot: Any) -> int:
        parent = lots[lot]["parent_id"]
        return 0 if parent is None else 1 + depth(parent)

    roots = [lot for lot, row in lots.items() if row["parent_id"] is None]
    assert all(5 <= lengths[lot] <= 20 for lot in roots)
    assert max(depth(lot) for lot in lots) == 3
    assert 0.05 < sum(row["status"] == "split" for row in lots.values()) / len(lots) < 0.2
    # One audit row per write: every event but a sub-lot's `created` (its split's row covers it).
    sub_lots = len(lots) - len(roots)
    assert len(rows.audit) == len(rows.events) - sub_lots


def test_the_same_seed_makes_the_same_rows() -> None:
    assert made(200, seed=5).events == made(200, seed=5).events
    assert made(200, seed=5).events != made(200, seed=6).events
