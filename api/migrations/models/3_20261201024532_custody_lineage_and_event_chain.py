"""Custody (recipient), lineage (parent), the farm-name consent, and the append-only,
hash-chained batch_events table, with a chain built for every batch that exists already."""

import json
from datetime import datetime
from typing import Any

from tortoise import BaseDBAsyncClient

from api.domain import history
from api.domain.batches import Batch, BatchStatus, Origin, Unit
from api.domain.events import NO_SALT, BatchEvent, link

RUN_IN_TRANSACTION = True

SCHEMA = """
    CREATE TABLE IF NOT EXISTS "batch_events" (
        "id" BIGSERIAL NOT NULL PRIMARY KEY,
        "seq" INT NOT NULL,
        "type" VARCHAR(32) NOT NULL,
        "at" TIMESTAMPTZ NOT NULL,
        "actor_role" VARCHAR(16) NOT NULL,
        "data" JSONB NOT NULL,
        "prev_hash" VARCHAR(64) NOT NULL,
        "hash" VARCHAR(64) NOT NULL,
        "batch_id" UUID NOT NULL REFERENCES "batches" ("id") ON DELETE RESTRICT,
        CONSTRAINT "uid_batch_event_batch_i_afc2dd" UNIQUE ("batch_id", "seq"),
        CONSTRAINT "batch_events_seq_positive" CHECK ("seq" > 0),
        CONSTRAINT "batch_events_hash_format" CHECK ("hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "batch_events_prev_hash_format" CHECK ("prev_hash" ~ '^[0-9a-f]{64}$')
    );
    COMMENT ON TABLE "batch_events" IS 'A batch''s hash-chained history; append-only (the database refuses changes).';
    ALTER TABLE "batches" ADD "parent_id" UUID;
    ALTER TABLE "batches" ADD "farm_public" BOOL NOT NULL DEFAULT False;
    ALTER TABLE "batches" ADD "recipient_id" UUID;
    COMMENT ON COLUMN "batches"."status" IS 'REGISTERED: registered\nIN_TRANSIT: in_transit\nDELIVERED: delivered\nREJECTED: rejected\nCANCELLED: cancelled\nSPLIT: split';
    ALTER TABLE "batches" DROP CONSTRAINT "batches_status_known";
    ALTER TABLE "batches" ADD CONSTRAINT "batches_status_known"
        CHECK ("status" IN ('registered', 'in_transit', 'delivered', 'rejected', 'cancelled', 'split'));
    ALTER TABLE "transactions" ADD "anchor_hash" VARCHAR(64);
    ALTER TABLE "transactions" ADD CONSTRAINT "transactions_anchor_hash_format"
        CHECK ("anchor_hash" IS NULL OR "anchor_hash" ~ '^[0-9a-f]{64}$');
    ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_users_92c9573b" FOREIGN KEY ("recipient_id") REFERENCES "users" ("id") ON DELETE RESTRICT;
    ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_batches_fe9f0040" FOREIGN KEY ("parent_id") REFERENCES "batches" ("id") ON DELETE RESTRICT;
    CREATE INDEX IF NOT EXISTS "idx_batches_recipie_713b54" ON "batches" ("recipient_id", "created_at", "id");
    CREATE INDEX IF NOT EXISTS "idx_batches_parent_id" ON "batches" ("parent_id");
"""

# History, like the audit trail, is append-only: no role that owns or writes it may change it.
APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION batch_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'batch_events is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    CREATE TRIGGER batch_events_no_update_or_delete BEFORE UPDATE OR DELETE ON "batch_events"
        FOR EACH ROW EXECUTE FUNCTION batch_events_append_only();
    CREATE TRIGGER batch_events_no_truncate BEFORE TRUNCATE ON "batch_events"
        FOR EACH STATEMENT EXECUTE FUNCTION batch_events_append_only();
"""

# Before this migration the only way from `registered` to a status was this path.
PATHS = {
    "registered": [],
    "in_transit": ["in_transit"],
    "delivered": ["in_transit", "delivered"],
    "rejected": ["in_transit", "rejected"],
    "cancelled": ["cancelled"],
}
EVENT_OF = {"in_transit": "shipped", "delivered": "delivered", "rejected": "rejected",
            "cancelled": "cancelled"}  # fmt: skip
INSERT_EVENT = (
    'INSERT INTO "batch_events" (batch_id, seq, type, at, actor_role, data, prev_hash, hash) '
    "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)"
)


def _batch(row: dict[str, Any]) -> Batch:
    return Batch(
        id=row["id"], code=row["code"], owner_id=row["owner_id"], product=row["product"],
        variety=row["variety"],
        origin=Origin(row["origin_farm"], row["origin_country"], row["origin_region"]),
        harvest_date=row["harvest_date"], quantity=row["quantity"], unit=Unit(row["unit"]),
        status=BatchStatus(row["status"]), created_at=row["created_at"],
        updated_at=row["updated_at"],
    )  # fmt: skip


async def _build_chains(db: BaseDBAsyncClient) -> None:
    """Each existing batch gets the chain its stored rows tell: created, the status changes
    (times and notes from the audit log where it has them), and its transactions, each
    anchoring the event before it."""
    batches = await db.execute_query_dict(
        "SELECT b.*, u.role AS owner_role FROM batches b JOIN users u ON u.id = b.owner_id"
    )
    for row in batches:
        batch, role = _batch(row), row["owner_role"]
        audit = await db.execute_query_dict(
            "SELECT at, metadata FROM audit_logs WHERE action = 'batch.status_changed' "
            "AND target_id = $1 ORDER BY at",
            [str(batch.id)],
        )
        seen: dict[str, tuple[datetime, str | None]] = {}
        for entry in audit:
            meta = entry["metadata"]
            meta = json.loads(meta) if isinstance(meta, str) else meta
            seen.setdefault(meta.get("to"), (entry["at"], meta.get("note")))
        steps: list[tuple[datetime, int, str, Any]] = []
        for status in PATHS[batch.status.value]:
            at, note = seen.get(status, (batch.updated_at, None))
            data = history.status_changed(note=note)
            steps.append((at, 0, EVENT_OF[status], data))
        txs = await db.execute_query_dict(
            "SELECT id, tx_hash, network, created_at FROM transactions WHERE batch_id = $1 "
            "ORDER BY created_at, id",
            [batch.id],
        )
        for tx in txs:
            steps.append((tx["created_at"], 1, "transaction_recorded", tx))
        steps.sort(key=lambda step: (step[0], step[1]))
        # Chains were not salted yet (migration 4 does it).
        head: BatchEvent = link(
            batch.id, None, "created", batch.created_at, role, history.created(batch), NO_SALT
        )
        chain = [head]
        for at, _, kind, payload in steps:
            if kind == "transaction_recorded":
                anchor = head.hash
                await db.execute_query(
                    "UPDATE transactions SET anchor_hash = $1 WHERE id = $2", [anchor, payload["id"]]
                )
                payload = history.transaction_recorded(payload["tx_hash"], payload["network"], anchor)
            head = link(batch.id, head, kind, at, role, payload, NO_SALT)
            chain.append(head)
        for event in chain:
            await db.execute_query(
                INSERT_EVENT,
                [event.batch_id, event.seq, event.type, event.at, event.actor_role,
                 json.dumps(event.data), event.prev_hash, event.hash],
            )  # fmt: skip


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(SCHEMA)
    await _build_chains(db)
    return APPEND_ONLY


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS batch_events_no_truncate ON "batch_events";
        DROP TRIGGER IF EXISTS batch_events_no_update_or_delete ON "batch_events";
        DROP FUNCTION IF EXISTS batch_events_append_only();
        DROP INDEX IF EXISTS "idx_batches_parent_id";
        DROP INDEX IF EXISTS "idx_batches_recipie_713b54";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_batches_fe9f0040";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_users_92c9573b";
        ALTER TABLE "batches" DROP CONSTRAINT "batches_status_known";
        ALTER TABLE "batches" ADD CONSTRAINT "batches_status_known"
            CHECK ("status" IN ('registered', 'in_transit', 'delivered', 'rejected', 'cancelled'));
        ALTER TABLE "batches" DROP COLUMN "parent_id";
        ALTER TABLE "batches" DROP COLUMN "farm_public";
        ALTER TABLE "batches" DROP COLUMN "recipient_id";
        COMMENT ON COLUMN "batches"."status" IS 'REGISTERED: registered\nIN_TRANSIT: in_transit\nDELIVERED: delivered\nREJECTED: rejected\nCANCELLED: cancelled';
        ALTER TABLE "transactions" DROP COLUMN "anchor_hash";
        DROP TABLE IF EXISTS "batch_events";"""


MODELS_STATE = (
    "eJztXWtzozgW/SsUX7anKp1KHOex2a2t8oOkmXbslEN6Z2d6ipJBtrXB4AiRxNXb/30lgW3E"
    "wwHHD8zwJRWkewWceyV0j67kH/LEMaHlHjc8E5GOM+o7r/K19EO2wQTSf5KqjyQZTKfLSlZA"
    "wMDi8oAJ6pYz4sVg4BIMDEJrhsByIS0yoWtgNCXIsWmp7VkWK3QMKojs0bLIs9GzB3XijCAZ"
    "Q0wr/viTFiPbhG/QZZc/5CGClsn/lwFh90OmzITg2xRD16W3cOd6wfsEjZPZlD+tzIXpI/KL"
    "n0eS2KZBHKzTNtmbkE22TACmr7WVpulDM2g/3i4TnD7pvGnBJfyn5uX6XPfxUW3fcElmzYFu"
    "OJY3sZfS0xkZO/ZC3POQecx0WN0I2hADAs2Ql7BHC1xqXuQ7BC0g2IMLTzCXBSYcAs9ivib/"
    "c+jZHAeJ34n9qf8reLSQmK53e5r+oGi6LudwTYNCSWFCNmGI/vjpt7sEhJfK7AatL43+p7OL"
    "XzgEjktGmFdyuOSfXBEQoC/Nt0TZd2gR5TZFiaAJTEba14ggbQYqx/N/1kF8XrCEfNmb52DO"
    "4dotwJp6pzxojbt71vzEdZ8tjlNDU1hNjZfOIqWffHs4dGDyx6xFI9K/Ve2LxC6l33tdJWq1"
    "hZz2O+t2dKwjjm47rzoww5jMi+dFvIcuzBoaU7J2obDOBzpS0E0OwKrvdhsBz2C4E9FsjQFO"
    "RTPQiGBJH+4AO4c8AW+6Be0RGdPLi/oKWL81+hzZi3qkA3SDmhqvEgEOPlUcpBwoR9TWgrpg"
    "DisifVbLgPRZLRVpVpWIdNLY8C7OiYNDCVDevD+jaR54feny4Vo/z4Br/TwVV1Yl4uq5EOuA"
    "YpIwb0nHV9QqH87np1mGCSqVijSvE6HGkL6pm3ekELVK+O07rV1lwJpKpWLN60SsDQtR59TX"
    "gzxRuXxOvhXgJ5AAFhzF8f71oddNxjusE42DkEGk/0kWcsm2HD0UdQ48ZBFku8fstvsIPBlG"
    "Qkg0x/rTXeO3qBlanV4zOtVmDTSpSRgLMHwKRaisYACMp1eATT1W49ScNNl41aQ2iZYAm34M"
    "zOCN2fsF/FMTEGOsvNDelEJQiQJHqyiqARPVIZPNRlLJDYnr/M2VxsAdfzbG1ATQlMbUmRw8"
    "+4dE7wVt87NjWzPpExlDiTnhALhQwnBIP3GuRFXsEXR/OZYjlt102wm02R/BG/vDjwuf5T8j"
    "TFouqqeJRqpNcpA9yI51uWA4+xjLs83xbcQe4fPfa7Wzs8vaydnF1Xn98vL86uSKyvLnjVdd"
    "ruiOTfVW7Wpit2MFqykgZqoY/KnYB9Lvg38IH3Yf/9pp/bJ+dXZRX8C+KFmF9hzZUGiVN3r9"
    "SNhaODC3HLdWTGWJmUrsWLl6jqhVwv5zepFlrhs1XGiqexHtP3lnudUMd6Mz3LApphi+6Gwe"
    "lsflBaUSevzmObi8CFfg5gA3PNnPusIU1tnkUm1xP8fvLDHFwt4IvnFwbxwM0cj+CmccYpU+"
    "CLCNpK9gOGINgtXDxHVZKi/CMwxeF3Gk4FYUAPrakHAI+nR20ldbmp9lsCc6YRWTkI1EgDtO"
    "csHQQFNOKfqYGhgyp9G3kfzivFKX3PF9aJchnhu54wbvtdH3qPJj9pofY9A+mYuLD+Q3M4fY"
    "Lzu15YB+ih3TM3Kt44VUSjhJOz05yRL0nZykR32sTkT5BWAEySwPyiGVEq4ibQNkB6MRsvUh"
    "wJM8QEfUSujStUxo11agXUtFG8NRzpysmGL53HubgBuOZxOcayiJa5bRybMgno53nLbAL2wd"
    "nxHUyZR3Gn0h6q0ivg8Q8xUgMyI7AuKzB2yCkr57bRrdTICVjGFYLYqfr3cc6JcMQaWl3jU6"
    "n07rR2fcU91nC/lB9CJNKzYs0PdKmb0ptjeJ8RNiRlagW+ThQP56ey09jb7bGh30v9ud5rVk"
    "DeQ1Bogs5Fs69xaj3pbx6zrIL7V3h73MPrkugRjOu1xmG/SVW/VBU/pK+1patvLdVru61m90"
    "H1RqHPqFodjbLqJWaisd9ZsvbkILvfjSfeVXpaX5bfwXGoSVtRrdltLpsEKDIWVZrPThvsOa"
    "dKeW76D7X7gR6YQ8C6CiZrUQWuiFUG9qrmlmUbMyc6HNzII9feoNLGTE7dx0HAsCO9nMEc2I"
    "nQdUdVumXZTs1rbNXq8jmLWpRpKbuo93TYUOp5EpSzwzJ0z/ZqVMwzrValWUvAN4uUCQFVFB"
    "qdpiFk23F1ddsoIa1atwXbmuynt1HN/c66qPLsTlXlYNj38py6qJ/rtTcIvpsu9iG+20GfD1"
    "B88NgJsjI+BA0RW+M7kzApaQL5P3I9O0QO/max9aIGWfb9qOgZKMFmKIOkaWSTHfAFSlckwx"
    "O5xRFP628A/6lLZsqWROtc1snD4c0lnCWHOeoJ2SlBMVOVqVm4N9YZ0w6R2n6PANrf74huEL"
    "fYAP57BUeSZ7zTMZggmyZjmn/oLSdkPUXSaebCae4t0yd5a1qFW6LJ7N5wHT8QZRI6xBW4qa"
    "FW1ZaNrS9b8p+vrmTm6hMnuhzU7nGWutSLibXI4o5mS/FPYNTR5zmljUrKxcZCtXK8h/CTNX"
    "Z05VZ07tDuetnDnleoZB54lOwgqNBt/SjqQIK5UB6FWDkvKbJoxHsf3IizGp0+vezsWjm5QT"
    "HDwf9RBSqdbGV684MqiqBccMyzYhnxIWbVqNh1ajrexrF2eEbU+gjeN8fDprHF0F2B1nHN4m"
    "W21RLA91bEPy6uCnPHOTkEqRE7ALQ3KSt/xE8luJWeQsOc4X6TnOF7EcZ77S7iOUiPH7ae1i"
    "C0X26tSUdhr/aY8POsWoe8vq/Ex93T94jyWsK31NvVF5wjrEBFGYmNYX9f6ei4/RdOonu7cU"
    "9ZvfugHRS5B0v/cNvwPLMZ50aslB0oRo1YF/Uc21Tp8r2CR/l4f/HfTeEXYwJQMyZy+7V7pt"
    "tXt7LQX6tP/0ujdq/473H8ceIjxhveWmofI9IEOArPV6yua3fEzBzHKAmf+MqIheGYLhbX/b"
    "qaOPHZwb6ohahfT7SFc0dCr0ZaKhF2PrOoaO6FbrSkW2dHUGXHUGXEG4w8KeATenbRNowxCj"
    "m84XMlJ0+0RhReHtlcKDExp85Jl9LhRKxy2d1bIcYEOlVhAPsZMqhvTGOr/IgbGgVGRCaU2k"
    "t3JUUPpB3u+zC4dwnLd83++1H1tK/1ryD6OD+LvdfPwPKxh4M3bVeGyrWo9e8x+pdVhJ+07t"
    "0mtzguyiEAyu++rgdRiGiGKRjbVuxzjPkkJCpdI7xnksiQS5Olv1e0noHSt3/Qt6O9zzP/8C"
    "HOyW/4ptWMcABxeDVsemlNbMscg4y57d0InZO9mJWlCjr96KOl8X1HeNVjHJuPfAiu7zXB+q"
    "hA2mZfGvbZIoDYiRMZYTOJSg5mgVhQKWMoXhUP4qv233wd9WS6dMXiB2cx7/G1KpopZsUQvr"
    "VDkQDsRLiO5Wjg2ndySJuwrSf5UrpLL7H+baz1y1HD8y+/P/jffw/A=="
)
