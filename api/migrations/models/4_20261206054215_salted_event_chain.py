"""The event chain salted: each event's data enters its hash through a commitment,
SHA-256(salt || JCS(data)) with a secret random salt, so the published hashes let nobody test
guesses of private data. Existing chains are relinked over commitments under fresh salts; each
event keeps the hash it had as `legacy_hash`, which holders of the data can still check, and
transactions that anchored an old hash now name the new hash of the same event
(docs/security.md, "What the public chain reveals")."""

import json
from typing import Any

from tortoise import BaseDBAsyncClient

from api.domain.events import NO_SALT, BatchEvent, reseal, verify

RUN_IN_TRANSACTION = True

COLUMNS = """
    ALTER TABLE "batch_events" ADD "salt" VARCHAR(64);
    ALTER TABLE "batch_events" ADD "legacy_hash" VARCHAR(64);
    COMMENT ON COLUMN "batch_events"."salt" IS 'Secret: the data commitment''s 32 random bytes, hex';
    COMMENT ON COLUMN "batch_events"."legacy_hash" IS 'The hash the event had before salting';
"""
# Only this migration, as the tables' owner and inside its transaction, lifts the guard.
UNGUARDED = 'ALTER TABLE "batch_events" DISABLE TRIGGER batch_events_no_update_or_delete'
GUARDED = """
    ALTER TABLE "batch_events" ENABLE TRIGGER batch_events_no_update_or_delete;
    ALTER TABLE "batch_events" ALTER COLUMN "salt" SET NOT NULL;
    ALTER TABLE "batch_events" ADD CONSTRAINT "batch_events_salt_format"
        CHECK ("salt" ~ '^[0-9a-f]{64}$');
    ALTER TABLE "batch_events" ADD CONSTRAINT "batch_events_legacy_hash_format"
        CHECK ("legacy_hash" IS NULL OR "legacy_hash" ~ '^[0-9a-f]{64}$');
"""
RESEAL = (
    'UPDATE "batch_events" SET salt = $3, prev_hash = $4, hash = $5, legacy_hash = $6 '
    "WHERE batch_id = $1 AND seq = $2"
)
REANCHOR = 'UPDATE "transactions" SET anchor_hash = $2 WHERE batch_id = $1 AND anchor_hash = $3'


def _event(row: dict[str, Any]) -> BatchEvent:
    data = row["data"]
    return BatchEvent(
        row["batch_id"], row["seq"], row["type"], row["at"], row["actor_role"],
        json.loads(data) if isinstance(data, str) else data, row["prev_hash"], row["hash"],
        NO_SALT,
    )  # fmt: skip


async def _reseal(db: BaseDBAsyncClient) -> None:
    rows = await db.execute_query_dict(
        "SELECT batch_id, seq, type, at, actor_role, data, prev_hash, hash FROM batch_events "
        "ORDER BY batch_id, seq"
    )
    chains: dict[Any, list[BatchEvent]] = {}
    for row in rows:
        chains.setdefault(row["batch_id"], []).append(_event(row))
    events, anchors = [], []
    for batch_id, chain in chains.items():
        sealed = reseal(chain)
        # Salting changes no data: the new chain verifies, and so do the old hashes.
        if verify(chain).valid and not verify(sealed).valid:
            raise RuntimeError(f"batch {batch_id}: the salted chain does not verify")
        for e in sealed:
            events.append([batch_id, e.seq, e.salt.hex(), e.prev_hash, e.hash, e.legacy_hash])
            anchors.append([batch_id, e.hash, e.legacy_hash])
    if events:
        await db.execute_many(RESEAL, events)
        await db.execute_many(REANCHOR, anchors)


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(COLUMNS)
    await db.execute_script(UNGUARDED)
    await _reseal(db)
    return GUARDED


async def downgrade(db: BaseDBAsyncClient) -> str:
    # The unsalted hashes come back from legacy_hash; events made since have none and keep
    # their salted hashes (which no unsalted verifier can check).
    return """
        ALTER TABLE "batch_events" DISABLE TRIGGER batch_events_no_update_or_delete;
        UPDATE "transactions" t SET anchor_hash = e.legacy_hash FROM "batch_events" e
            WHERE e.batch_id = t.batch_id AND e.hash = t.anchor_hash AND e.legacy_hash IS NOT NULL;
        UPDATE "batch_events" e SET hash = e.legacy_hash,
            prev_hash = coalesce((SELECT p.legacy_hash FROM "batch_events" p
                                   WHERE p.batch_id = e.batch_id AND p.seq = e.seq - 1),
                                 repeat('0', 64))
            WHERE e.legacy_hash IS NOT NULL;
        ALTER TABLE "batch_events" ENABLE TRIGGER batch_events_no_update_or_delete;
        ALTER TABLE "batch_events" DROP CONSTRAINT "batch_events_legacy_hash_format";
        ALTER TABLE "batch_events" DROP CONSTRAINT "batch_events_salt_format";
        ALTER TABLE "batch_events" DROP COLUMN "salt";
        ALTER TABLE "batch_events" DROP COLUMN "legacy_hash";"""


MODELS_STATE = (
    "eJztXW1zozgS/isUX262KpNKHOflcldX5ReSYcexUw6Z29udLUoG2dYFgyNEEtfc/PeTBL"
    "ZBgAOOXzDLl1SQugU83RLS0y35hzxxTGi5xw3PRKTjjPrOq3wt/ZBtMIH0n6TqI0kG0+my"
    "khUQMLC4PGCCuuWMeDEYuAQDg9CaIbBcSItM6BoYTQlybFpqe5bFCh2DCiJ7tCzybPTsQZ"
    "04I0jGENOKP/6kxcg24Rt02eUPeYigZfL/ZUDY/ZApMyH4NsXQdekt3Lle8D5B42Q25U8r"
    "c2H6iPzi55EUbdMgDtZpm+xNyCZbJgDT19pK0/ShGbQfb5cJTp903nTEJfyn5uX6XPfxUW"
    "3fcElmzYFuOJY3sZfS0xkZO/ZC3POQecx0WN0I2hADAs2Ql7BHC1xqXuQ7BC0g2IMLTzCX"
    "BSYcAs9ivib/c+jZHAeJ34n9qf8reLSQmK53e5r+oGi6LudwTYNCSWFCNmGI/vjpt7sEhJ"
    "fK7AatL43+p7OLXzgEjktGmFdyuOSfXBEQoC/Nt0TZd+goym2KEkETmIy0ryEgbQYqx/N/"
    "1kF8XrCEfNmb52DO4dotwJp6pzxojbt71vzEdZ8tjlNDU1hNjZfOhNJPvj0cOjD5Y9aiEe"
    "nfqvZFYpfS772uIlptIaf9zrodHeuIo9vOqw7MMCbz4nkR76ELs4bGlKxdKKzzgY4UdJMD"
    "sOq73SaCZzDcRdFsjQFORTPQELCkD3eAnUOegDfdgvaIjOnlRX0FrN8afY7sRV3oAN2gps"
    "arogAHnyoOUg6UBbW1oC6Yw0aRPqtlQPqsloo0q0pEOmlseBfnxMGhBChv3p/RNA+8vnT5"
    "cK2fZ8C1fp6KK6uK4uq5EOuAYpIwb0nHN6pVPpzPT7MME1QqFWleF4UaQ/qmbt6RIqpVwm"
    "/fae0qA9ZUKhVrXhfF2rAQdU59PcgTlcvn5FsBfgIJYIujON6/PvS6yXiHdcR1EDKI9D/J"
    "Qi7ZlqOHVp0DD1kE2e4xu+0+Fp4Mo8iSaI71p7vGb6IZWp1eU5xqswaa1CSMBRg+hVaorG"
    "AAjKdXgE09VuPUnDTZeNWkNhFLgE0/Bmbwxuz9Av6pCYgxVl5ob0ohqKICR6soqgET1SGT"
    "zUZSyQ2J6/zNlcbAHX82xtQE0JTG1JkcPPuHRO8FbfOzY1sz6RMZQ4k54QC4UMJwSD9xrk"
    "RV7BF0fzmWBctuuu0E2uyP4I394ceFz/KfApOWi+ppopFqkxxkD7JjXS4Yzj7G8mxzfBux"
    "R/j891rt7OyydnJ2cXVev7w8vzq5orL8eeNVlyu6Y1O9VbtatNuxgtUUEDNVDP5U7APp98"
    "E/hA+7j3/ttH5Zvzq7qC9gX5SsQnuObGhplXf1+pFla+HA3PK6tWIqS8xUYsfK1XOiWiXs"
    "P6cXWea6ouFCU90Lsf/kneVWM9yNznDDpphi+KKzeVgel48oldDjN8/B5UW4AjcHuC6wcl"
    "Fwc/kK3AzgWnAEjFnuIUJQKx8FtHmkw2vWrIHSsM4mMw6KO6t8J1IaY28EfOPg3jgYopH9"
    "Fc44xCp9EGAbSZO5MPEScC6HieuydNnLMHhd0CERt6IA0NeGhEPQp5PsvtrS/GSZPbFiqw"
    "ixbFwY3HGuFoYGmnJm3MfUwJA5jb6NHC7nlbrkju9DuwzxXOGOG7zXRt+jSvPaa5qXQftk"
    "rpBSIL+Z2dp+SdYt81JT7JiekWsuHFIp4XT49OQkC3dxcpJOXrC6KMovACNIZnlQDqmUby"
    "a8FZAdjEbI1ocAT/IALaiV0KVrmdCurUC7loo2hqOcqYUxxfK59zYBNxzPJjjXUBLXLKOT"
    "Z0E8He84+4ZfWDoKi7MkR27SWLio3qr4zQFivgJkFo8RQHz2gE1Q0nevTVc3E2AlYxhWE/"
    "Hz9Y4D/ZIhqLTUu0bn02n96Ix7qvtsIX8Rvcg2jA0L9L1SZm+K7U1i/EQ0sTDQLfJwIH+9"
    "vZaeRt9tjQ763+1O81qyBvIaA0QW8i2de4szyIv16zrIL7V3h73MPrkugRjOu1xmG/SVW/"
    "VBU/pK+1patvLdVru61m90H1RqHPqFodjbLqJWaisd9ZsvbkILvfjSfeVXpaX5bfwXGoSV"
    "tRrdltLpsEKDIWVZrPThvsOadKeW76D7jz9G6YQ8cfyoZhXPL3Q835uaa5o5qlmZudBmZo"
    "s9feoNLGTE7dx0HAsCO9nMgqZg5wFV3ZZpFyW7tW2z1+tEzNpUhRy97uNdU6HDqTBliSeY"
    "henfrJRpWKeKVonkHcDLAEFWRCNK1U5JcddINOqSFVRRr8J1ZVyV9+o4vrnjqo8uxOUOq4"
    "bHv5SwaqL/7hTcYrrsu9iKnTYDvv7guQFwc2QEHCi6ke9M7oyAJeTLPSjCNC3Qu/nahxZI"
    "2a6etvGlJKNFdIk6RpZJMd8AVKVyzOgmB0ZR+KcbfNCntGVLJXOqbWbj9OGQzhLGmvME7Z"
    "SkHFHkaFVuDvaFdcKkd5yiw/dl++Mbhi/0AT6cw1Llmew1z2QIJsia5Zz6R5S2u0TdZeLJ"
    "ZtZTvFvmzgSOapUui2fzecB0vEHUCGvQllHNirYsNG3p+t8UfX1zJ7dQmb3QZqfzjLUiEu"
    "4mwxHFnOyXwr6hyWNOE0c1KysX2cpVBPkvYebq6LTq6LTd4byVo9NczzDoPNFJiNBo8C3t"
    "ZJWwUhmAXjUoKb9pkfEotq1+MSZ1et3bubi41z7BwfNRDyGVKja+OuLIoKoCjhnCNiGfig"
    "RtWo2HVqOt7GsXp8C2J9DGcT4+nTUWowC744zD22SrLYrloY5tSF4d/JRnbhJSKXICdmFI"
    "TvKWn0h+KzGLnCXH+SI9x/kiluPMI+0+QokYv5/WHm2hyF6dmtJO13/a44NOMeresjo/U1"
    "/3z49kCetKX1NvVJ6wDjFBFCam9UW9v+fiYzSd+snuLUX95rduQPQSJN3vfcPvwHKMJ51a"
    "cpA0IVp1bqWoudYhigWb5O/yDMuD3jvCzldlQObsZfdKt612b6+lQJ/2n173Ru3f8f7j2E"
    "OEJ6y33DRUvgdkCJC1Xk/Z/JaPKZhZDjDzH3Um6JVhMbztbzt19LGDc0MtqFVIv490RUOn"
    "Ql8mGnoxtq5jaEG3iisV2dLVGXDVGXAF4Q4LewbcnLZNoA1DjG46X8hI0e0ThRWFt1cKD0"
    "7o4iPP7HOhUDpu6ayW5QAbKrWCeIidVDGkN9b5RQ6MI0pFJpTWRHorRwWln0f/PrtwCKfS"
    "y/f9XvuxpfSvJf8wOoi/283H/7CCgTdjV43Htqr16DX/rWWHlbTv1C69NifILgrB4LqvDl"
    "6HYRAUi2ysdTvGeZYUEiqV3jHOY0kkyNVZ1O8loXes3PUf0dvhnv/5F+Bgt/xXbMM6Bji4"
    "NWh1bEppzRxbGWfZsxs6MXsnO1ELavTVW1HncUF912gVk4x7Dyxxn+f6UCVsMC2Lf22TRG"
    "lAjIyxnMChBDVHqygUsJQpDIfyV/mJxg/+RGA6ZfICsZvz+N+QSrVqybZqYZ0qB8KBeAnR"
    "3cqx4fSOJHFXQfqPy4VUdv/7cvuZq5bjt5J//h9NKtNI"
)
