"""`audit_logs` becomes a table partitioned by month of `at`, online: the API goes on writing
the trail while this runs, and waits at most for the one short transaction that swaps the tables.

The rows already there stay where they are: the old table becomes the partition of every
month before BOUNDARY (the first day of the month after next, so that no row the API writes
while this runs falls beyond it), checked by a constraint validated without blocking writes.
Monthly partitions follow it, and a default partition takes any row whose month has none yet
(api/infrastructure/db/partitions.py). The parent's indexes are
the old ones, matched to the old table's as it is attached (no index is built under a lock);
the unique index on (id, at) is built first, CONCURRENTLY, since a partitioned table's unique
keys must hold its partition key. The API's grants on the old table pass to the new one in the
swap, so that its inserts never meet a table they may not write.
"""

import asyncio
from datetime import UTC, datetime

import asyncpg
from tortoise import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from api.infrastructure.db.online import create_index_concurrently
from api.infrastructure.db.partitions import DEFAULT, is_partitioned, month_start, partition_name

RUN_IN_TRANSACTION = False

INDEXES = {
    "idx_audit_logs_at_b54c86": '("at", "id")',
    "idx_audit_logs_actor_i_4c35a3": '("actor_id", "at")',
    "idx_audit_logs_target__b83209": '("target_id", "at")',
    "idx_audit_logs_action_d4ed59": '("action", "at")',
    "idx_audit_logs_organis_06f12d": '("organisation_id", "at")',
}
UNIQUE = "audit_logs_id_at"
ATTEMPTS = 60
LOCK_TIMEOUT = "500ms"


def _swap(old: str, boundary: datetime) -> str:
    """The one transaction that holds the table: renames, no data moved, no index built."""
    renames = "\n".join(
        f'ALTER INDEX "{name}" RENAME TO "{old}_{n}";' for n, name in enumerate([*INDEXES, UNIQUE])
    )
    indexes = "\n".join(f'CREATE INDEX "{name}" ON "audit_logs" {columns};' for name, columns in INDEXES.items())
    return f"""
        LOCK TABLE "audit_logs" IN ACCESS EXCLUSIVE MODE;
        ALTER TABLE "audit_logs" RENAME TO "{old}";
        ALTER INDEX "audit_logs_pkey" RENAME TO "{old}_pkey";
        {renames}
        CREATE TABLE "audit_logs" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING COMMENTS)
            PARTITION BY RANGE ("at");
        CREATE UNIQUE INDEX "{UNIQUE}" ON "audit_logs" ("id", "at");
        {indexes}
        -- Attaching gives the old table the parent's row trigger, under the same name.
        DROP TRIGGER audit_logs_no_update_or_delete ON "{old}";
        CREATE TRIGGER audit_logs_no_update_or_delete BEFORE UPDATE OR DELETE ON "audit_logs"
            FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
        CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "audit_logs"
            FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
        ALTER TABLE "audit_logs" ATTACH PARTITION "{old}"
            FOR VALUES FROM (MINVALUE) TO ('{boundary.isoformat()}');
        CREATE TABLE "{DEFAULT}" PARTITION OF "audit_logs" DEFAULT;
        CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "{DEFAULT}"
            FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
        -- Whoever could read or write the trail still can, through the parent only.
        DO $$
        DECLARE grant_ record;
        BEGIN
            FOR grant_ IN
                SELECT a.privilege_type, a.grantee::regrole::text AS grantee
                  FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.oid = '"{old}"'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
            LOOP
                EXECUTE format('GRANT %s ON "audit_logs" TO %s', grant_.privilege_type, grant_.grantee);
                EXECUTE format('REVOKE %s ON "{old}" FROM %s', grant_.privilege_type, grant_.grantee);
            END LOOP;
        END $$;
    """


async def _with_retries(script: str) -> None:
    """While a statement waits for its lock, every write to the table queues behind it: a lock
    not granted within LOCK_TIMEOUT gives up, the writes go on, and the whole transaction is
    tried again a moment later (for about a minute; then the migration fails, and a deploy
    with it, which rolls back by itself)."""
    for attempt in range(ATTEMPTS):
        try:
            async with in_transaction("default") as db:
                await db.execute_script(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                await db.execute_script(script)
            return
        except asyncpg.LockNotAvailableError:
            if attempt == ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.5)


async def upgrade(db: BaseDBAsyncClient) -> str:
    if not await is_partitioned(db):
        boundary = month_start(datetime.now(UTC), 2)
        old = f"audit_logs_before_{partition_name(boundary).removeprefix('audit_logs_')}"
        check = f"{old}_at"
        await create_index_concurrently(db, UNIQUE, 'ON "audit_logs" ("id", "at")', unique=True)
        await _with_retries(
            f"""ALTER TABLE "audit_logs" DROP CONSTRAINT IF EXISTS "{check}";
            ALTER TABLE "audit_logs" ADD CONSTRAINT "{check}"
                CHECK ("at" < '{boundary.isoformat()}') NOT VALID;"""
        )
        # Reads the table without holding writes (SHARE UPDATE EXCLUSIVE), so that attaching it
        # needs no scan under the swap's lock.
        await db.execute_script(f'ALTER TABLE "audit_logs" VALIDATE CONSTRAINT "{check}"')
        await _with_retries(_swap(old, boundary))
    # `migrate` makes the months ahead next (api/infrastructure/db/migrate.py).
    return "COMMENT ON TABLE \"audit_logs\" IS 'The security audit trail, by month of at (migration 14)';"


async def downgrade(db: BaseDBAsyncClient) -> str:
    # Back to one table would copy every row under a lock: restore a backup instead.
    return "DO $$ BEGIN RAISE EXCEPTION 'migration 14 is not undone: restore a backup'; END $$;"


MODELS_STATE = (
    "eJztXW1z4jgS/isuvkymiskNL3nZ3NVVEcJk2U1IKmFm9m6z5TK2AF2MzfglGW5v//tJfg"
    "Fblj2WscEo+jIZbLUMT0ty6+lW95+NhakB3T7uLWFfh8BwHszXxoX0Z8NQFgD9h3q/KTWU"
    "5XJzF19wlInuCShLKKteU++6MrEdS1EddGuq6DZAlzRgqxZcOtA0sEDPkExrphjQVvCld7"
    "Zkr2wHLCRV0XVozCRnDqTe/VB6hc7cdB1JkZbAsk1DOrrruc5c8p8mqRbQ0F+InvL+GD9a"
    "M1X0bNRDpU9xDfjNBbJjzgDqwkLP+v0PdBkaGvgObPzxz8YUAl3z/t+IfgkZargH1KXiAE"
    "1WHPwJXcPy4PvSAraNWtlhl4FKDFfXMeCrpYd3w2uMMPY+/IUbLp9l74kxRfrP8q7Loezn"
    "z8OrT15LDNdEVk3dXRib1ssVwsJYN3ddqB1jGXxvBgxg4e8d0Sz+asE4CC/58KALjuWCNS"
    "7a5oIGpoqr4/HR+MfUNVQMjOQ9Cf/T/Wfw1SLNZHl0N5YfB2NZbiSGU4BOVPfBJRVBiWCC"
    "eGAiYP7y+90A4l1t4Af0f+49HHVO33sQmLYzs7ybHlyNvzxBxVHkjVY3KHt/Ezj354pFxz"
    "lsTyCNvmgRjMMLG5A3cy6ELwSoAkgbC+W7rANj5szRx9bHjxkYf+k9eDCjVh7OJlok/AVk"
    "FNxq+/cw3ht8bdXEvSQQ/uXxbkRHeCNBYKxB1ZH+J+nQdqrCOjKiJy7UHWjYx/h5+xjUGC"
    "Hc88K2v+lRnI9ue7+RKujf3F2Sox93cEmoQ0Ero7xAC59JWV3SRz0hxuHg77RzjP1OO3Xo"
    "41txqJfuRIeq/AxWLKM/LrXVDAjW67rgveuhjpGRdbiAjowMA3kBDdehLPVDw6FrIlWeUA"
    "r6fYenDPR10Z8P7Vb3rHveOe2eoybe91xfOcvQ13A0JsAOTaIJZbCnGy1xqTKNl/qO9R/a"
    "KklQfTszDuoVuuPABcgG1pckV5FA9Dj8D18Aj4e3g8dx7/Y+tqJc9cYDfKftXV0RV49OiV"
    "Vm3Yn0dTj+WcIfpX/fjQak1tbtxv9u4O+EXpSmbJivsqJFMQkvh5dianaXWkE1xyWFmmut"
    "Zgu8mM+F1ByXLEHNNXsZ8aRlCl2Q921IERWvRPRKxAzJ9Jm6e49CloT6k2kBODN+BSsP8C"
    "H6Poqh0my4gDS7i3QX8GaHifLm6ma2W8rrmmWijTX0HwQCcDxAHtBEeBj2xz4/NVHU51fF"
    "0uQUNdgAGRwOZZd/GQh++vUB6Gst0cH36cpHryu+wPcwNNtmBLsYqslbi/aCvKIYysz7Sf"
    "jZ+Ekh0etq0LkxZ2k8cOR2M5MGxg1l3ZzlY4HTQWHkV0shUfEKHO1TdUwrGNao/xJ7dhQL"
    "/axKulbUcH6U2y9lqm/5AEFZ75WyZjcgxf7gACzH6KKVdwpFZbaYSIezH2BgT2pjiXOJru"
    "9dZcQ1JiQQpSLK6pAkxAq5ZmqG5w7ckhtjK7cLTE3ZvvDg/Trt5oD4tJuKML4VBzgwlD2Q"
    "GFAmxPgbzeX7GWNbEkacqSsxByiXP57hkgVevzV/uHZPcuDaPUnFFd+K4+rawJIVhAllU5"
    "OOb1yKP5xPWnmWCdQqFWnvHuEQB+iX2qwrRVyKw3dfq32ex75on6fbF/ge1ZgrBjlVmL9B"
    "XgnwC+AomDlJ4p0ecxOVqUfMGX7sQcecJXw26W6EKsnxS8VR54OX9DDpeINmFkE+wU1l8M"
    "IQKC15Mu9saa7Y8w/qHKkAaNIcDSbTWv1dQs8ChvbBNPSVdITDmfEgnCg2kCwwRa84W0Ii"
    "xgxQw6PL7ZtC2v8e/GJ/+bHBt8YflfP4TMzyJZylBm9R10xKpFawQG5HKlcfp/VTu93pnL"
    "U/dk7PT7pnZyfnH9cBW8lbWZFbl8NrHLwVm8hhNFc644yVn4A/FfugdaEwudqZCiXHyTHv"
    "h7fZCNcOzIp3wsIxwrFjxDJ1ppkTl+Jw/rRO81jPpOIixvMphRQVHijhgToQdFl3eWKHF+"
    "JTyg4vdtTFAi8y3oewLNAxIQ7X5/I5aFaEBbgM4NqKzkRBh+0FuDnA1cFMUVfMSwQhxh8F"
    "Wj7SUc4mr7ERlRER59kR5x5WSXCZQ8094pGvMOcmEWMeHVbMweWVs8JZhHA+LhjsOFLaAi"
    "pcRgKoSk1DQQYNv6IhuePnoCnjuDbxxBKfJdJ28BMDraI5yWJJhO3Lsdb26xKomEXd81Hu"
    "mtlr5XAVS8vUXJVpfxER4XCLUUlQ54tiQeBQhm06yhER/nYXlYBsWnAGDXmqWAsWoAkxDo"
    "d0Oxfa7Qy026loW2DGGK6cEORveFcJuGq6hmMxLSVJSR4HeR7E0/FOMprWCw5xw57WJNbY"
    "d5vGbMblsjy4B4h5BsjYI0uA+M1VDAfS3ntXaMe4UHQ6hlExEj9f7jiQ5wzBQX9427s5an"
    "WbHW+k2t906BMT6wjmxLKAfleK9TYw3EWC84kHKweydV4OGr9eX0jPsydjjBb9J+Pm8kLS"
    "J40CC0QeQjOdz0yy8mtOoAjyG+ndYd/Ar1zbARYIp1xuHTwMroeP48HD4OpC2vTyZAxH8v"
    "ihN3ocIuWgNwzC3rAh0tLV4Gb4xW+uAR2++K0fBr8M+mO/j/8A1cHX+r1Rf3Bzgy+qGCld"
    "x1cf729wl/ZS9wfo/iMQRMarIivawUX0iIxXb0LNeLMn+wktk3q+NE0dKAZdzYQkoecJEq"
    "1Ktesru9Xt5d3dTUytl0MiSnf0+fZygJZTwmRJhpgGGURZGVJCjDuitJvnsEk3/axJN3HU"
    "xEPMnhdax0hZkdStzgvZzIFM5EvYnj/OpZXHvm+lG/itpIWPrU/5Gf26wlZ+rIcaY964Gn"
    "4ZXg2QtQ5foAawqX7f6/+KDfWloj4XMcHzLGrpa1ry2CI+RiSjjQQOT0zqIz24MiEoMlcX"
    "D6f0wZwoNkzZ+WbpYC1W44lQG19nwNnqplosSJsmLXyfBMaREI/cyEZkREQaaXcqFnvqpZ"
    "iQGKJkZoR4ZFVeUEk5gSth283hUp5a5oIRV1JO4ErBFe1XCqC6lhKYZmeWxm+gJLoipXR6"
    "SunIOzsl3Je65u4F5HoO4R9iTL5wcuBMGKkloH0TdMU10nTbPgfe63eXQDof0uTLPi/Gji"
    "kQZkB4/eLPga+/WSgBXoZTLgeKbWxftUUJhU1eIcJNxlBBIZHMiBNLgyDHoK4hzEuAiquB"
    "GQMJLFVoy2WMqQHuifcx5UXU+Al+t4RrvOmJY7xewWRums+lDLCvfl88DrEqzzCS1XIoRx"
    "kpBXXSTzQGOScjlXx2d7Axlha+pLN/4nzeXs/n+eOI+cA/IcZdEEr55/1FxGSRkX1wESii"
    "eORb0PJei6oc0PQtTuv7YJXAbPSW0Lev+LJZmwS9ERtctUri4W1M+8rScS2QYgCTTTINYH"
    "/LrPqt8yZ4NqTBfX/4KAVi0n/MiXR0/dh6Z0sYH2mC1IvU8D6Wj/lYCr6TLVmuIb1CZw4N"
    "CedoDjK+NxuEDit70JOh6LpkWpJh4nuzC0mRcAJpoHlPgLY0hYYXpyophibZrqoCoAEtLW"
    "c0YeULI3y/STJ87TOncoiLiVcKmWJrJae9RjIPNcTkdnikYT+AlniiQexx3oT1G75qCuiZ"
    "EBW7nDrrGdkiBv6tbKtnREqsnfnXTs9ks2kcfRbYESkBdn6wgWWZFgXr9HMTG4ndp6XeD9"
    "yVnJjwHFFol8qGfVRIwL81/F7mm6QCUuvEEFKiXgxlRalNCYG6AV1N0G8EshI4wjcU+5sc"
    "a3uOhWKNW6mnvb/bmII4ZmmEar5qeWQEUu5qeZIn886Wrh9bAenZPv4oTU1rUUrFvDL737"
    "5qnv8ODPek5eZWRiqQVV2x0ddm6/Z6OCJ6ZiJyRV0+fI+vunw1Wx7LNrPCrUASzfRYlagM"
    "d4EqldTm9RBj3qGJ3dm26QQEff4WaNXAlMDaYV7FQqk6p6isTchd3GZjmU9xSTGfaj2fJv"
    "C/su2AJctsisrwl3/lpJUnAQtqlTqZvHtEGUdoI81BOuWSjjQhJsDOBXZ0S5gAu2dZyipl"
    "4YrLEWjvunYmft4+QnHGg9/Gv/8hCq5VG14ThB+xRsHGpERyC1HEbmdF7CiDtwRsKcGrBz"
    "lyfxxiHJu5tYoxHhov0Fm7byiEeLxBM4sQh+umOz5dR/HNiDN2PIT3goUCdaa9fijA4Ta/"
    "085TDAi1ysgOmaj6YZl6Cpny46y0oWydsW7cfR0NHi4kL3XTk3HbG/Wu8Wd/QURXvgwHX/"
    "GFFwhe/XRY+68R4ZjPwGA+WRqX4o6vL5/l8t5XzGcH4lJibyOo+LdIHSKDCqLuCqg5LinU"
    "XGs1K6oKlsWmMyEqDiwchJ7Z3oWEmOCkyKTLIqUB/3NHBDCLAOb9o7yTAOYqmchonlIKD0"
    "mkMU1nIcN8trXiIJtbR74KJnKvTKT3N4FzOhkTtq8zN1aQiKmkKHl6dSw6vlvVwqo3vuXz"
    "iehZAKQUd04JpF5L8Bd2Usn4VanVyTMqWdHLknMAbysXvK0MeFtJeHGtaLboqY2EgDgXxP"
    "iFqOjsRVXjYvyBncvrluF0S/rcvPPAFttysRHh8I2XJwwwPQgwEQKID046Lm0YXwEVLhSd"
    "jnFUjGRcfLnjQP7whnQGwFeD/vC2d3P0U/OUyP6wLhmcGMG6acwKQRyVExhnYrxE4LCtxK"
    "EAf2tw+WUxZzpbuWOdV1Oik8eS6KQbEh0KsjL47gDDZrTYEoL8oV2+LaFY6hy+FHPQxUWF"
    "k6HOToaQS2TMcxmTEq4FEavyFueOu9QKqjkuKdRcazULP2yli6WoyS0824fu2a6kAuSbKL"
    "BZVhHIoOisOU0CL4obxqq/LpHdQS+yK4BKAEWrlCtgKrmiKJcLXaXpBm/BYgIsPEhTopri"
    "DZpZcU2LddMKIpuo8Uuu7Ve7z0zvFzZqijOXF1xEOokTgTU8ESiYqiKz4OAoDMFUvQk1C6"
    "aqUqYqYpLkhTUiIuAUNFWNaCo8MkuA+TPqhm94I1O4VudayAFO2QVS5kD6PjA6jKo/4yI2"
    "Y+LYSV1iZ6oI2999KG7NeLFKI3FFDCOnMYw1ygtUfgTj0jI1V6Xlj82sKBgV22FJwfWVg6"
    "0pOHFXrFiHIgJnUWRYsEuCRHwjak7QMnlCLvyK7FsWm+stYd/rhy8SIf4ewkEA1Nd+NZEE"
    "BwmSBVTgnRrYNVo1M+5zgeWXCAzSP5dR7pEpW/ZBji8iiXRxvBKJq3lEK5bsZleRPQeJFB"
    "E+UxyrRMgOj2i9gsncNJ+3hOqr38ujO1l/U84wq9Jx8ACm6KUxH+O0zimOA7JJM8txYPmN"
    "ZS9P9I6zY0WcM5HUhiJK7GAdE1NlAfUVo5c9JlStn32XfGQ5UQsi6TuF3K2gtKFIXM0rOx"
    "I7GOC/U+Ti6qb3INRea7UjO6MQ8WmLNAgHoV+RUfstaFk4qt6EmiFT4WHIacnh7kkOE7d7"
    "kmri4luU+GdlRj3dnI5vXIo/nCupNmy7qorsRJMSojsG350UyzIqxAPQWYvS4LdxbD0K4T"
    "y67f32PrYm3dyNrsPmEfj7N3eXBOq1OT9xOHoQxydqcnxCxPOHg6dgPH+/99jvXQ32Fc4/"
    "thTDVtSMaH6iRTOLk3c2bXfMyEerPotCFfwQ8wZwXk3rmcXyi4hweG6gfArZ+c5O03/nmK"
    "PPc9r9NP20+2nitDt4wbmGPISoGP84EUG8hzqP6sbD4Hr4OB48DK4uJFy0wHaABbQnA+2u"
    "x58fZYTR6BrfQ7/UcW1ZnSvGDN/vDx7Gw09DfEsFlgMRTFjq5+H9vdfcz4zzZDwM+oPhF7"
    "93P3SrUUDJ5Z9emOim+iwjTU5oBtElnA2NlP0TKUmoF/o72MMy3dHXRX8+/NRudzpn7Y+d"
    "0/OT7tnZyfnHc9TW+8LJW2dZYePDaxwAHtNGMiLcH1NFJ9lGencTrLEEhoaBZJxl94PR1X"
    "B0fSEF8mj+3I0+DR9uvfljGlNoLfBs+dQb3uBLUwXqxWZK+ck/lspKNxWN+aVDyvFANVT9"
    "bt9znuWaoV0OoSDomirRRUvz3LSYFwdCTKwN+dcG4Zbi2i21tgaKKJqQFX7mOms6yoHlfS"
    "NFZQTXnc11e1iVQHZzeKaqSbDd0WFVq/Q1oaOBQnRHfBDpDDem8UWaGs5JZ7BA22UW63Mt"
    "wB0b2slV46mTUeSpk6zyNEUPlllzAcWE6kyBFkS6koRA3Ge/vX+4u/rcx/ltg3wl1pNx+f"
    "lf+MLEXeFPvc9Xw/Ed+qy4GnRMfOXqdjhCn7UFNOpCidn2q2kV4cQIwTorq+jEOMkTUoZa"
    "pU+Mk0RQGbRl7Kd+ocyOzEwtMbkdpmsJ3wAiW4tgG+q8BxXZWrhVc6FsLeKcOls2EvJMc3"
    "HAKIepeYGsSoIgOOR/BXT0krdWKVwBpVUzizYIEhBgIgQLQJCPQ2jcGUDygj+kqWlJJvpk"
    "R7IPrN2/kms4UJegY0vowtJEWEkIDTR7daDNgI3uHJOWbtl9MwbsRZ8VEEW7jNTLCsig0i"
    "aUMIzAJqvvTn6HQRjpZIpgpUv2kOI4FSbmZC3A4eaw/L244jhgsaQlmEtdMKIihaK3CmH8"
    "sdplo93qnnXPO6fd9WqxvpK1SCR3fgZao+UAogL7Aoq42BzUbnMQ2+rrCsQ+Y89wYN7tk8"
    "LC51xnXU+hZTuyH15YYHJTxIW+66xvXbG3Wcwp4kLftdd3Wlx1qkFESHEU0V6aVeRBBCyL"
    "dtY63ZSPS/EX5ViJEzQgXQq9oEhZsVrVebUSTqY3oWb/OBwrrReV2t0unRN+L5ojJEHc5q"
    "X1KKKC3cuOOfUGbRJj5pjTwGExeOGu5kGTCD2NTvMcBSmjY7I8nPnNEU3CTZnTdcpvQY77"
    "dF9edGr82JHnjbKcTrzxHEim60zM7xeSIvknnqWlYjloQNjSQllJc6BYkjltSq8WRJtjQ4"
    "KG5CApv+07G1d3lyLJNf6ecOZV8IwnA8EADO2DaeirnC4+4YOrpQ9uAWwbzQ/q6zp9sxmX"
    "4i60uYJMGqkpHugAH0JCh8Jx42UnWEgUCo6j3LMsZfXjU7c0PkqH9iGa/xkAY7vy9z/IDB"
    "WmRjkFnp7XL2zPxejM2v5WkdPvsJiImpQXODgiQsS2iBOXNdmHbXXiMsGVw23Lu9EDJDnB"
    "fhcBqCSDkL5xpXANP96/RrftObexPUOKWlLvIvGgOIA0rLElHWFg/9a7Hx4vtKb01Ai+pv"
    "3UeJ8MQi2rU8boU0oilsh7d2dRqOLobtlHd12L6eBu0JwLEzfhSc3pSs30pSacqZtUhJQ3"
    "xC+Pd6Ms58tajDRroepI/5P424hhQLL3FuQ2ghjyuANybxH9mgxjnRATwQO5ggdEtHWl0d"
    "YaeglPcPAfevvajOM5KSrGdL4xDZCxw1RNYyPB4agunwhGpuMLNF1bZkeaIsrfqK4c8S0K"
    "5WX3JOK/6szH7Tndad2WuXLOmx0WlV0XgA9u7ojMDW9CzbXJXnxASi7uwIhCVoIf4y7SHV"
    "+UepNwZ1DGmvBqHLBXo4fQV+cNihcjuNPM8loomza1Sbv5VkLXtjzxlE7VoxlkM1KYEREO"
    "eYhKEt3hScWAcNCcQ3RbuZi0VgaT1koyaeiJDjVAP90TEhERXhBGL0jC0tplUPlf/wd6p5"
    "++"
)
