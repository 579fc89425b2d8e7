"""EPCIS events get the columns GS1's SimpleEventQuery filters and pages on (docs/standards.md,
"Querying events"): event type, event time in UTC, CBV business step and disposition, and the
classes of its quantity lists, read from the event as frozen with the same function the store
uses when it adds one (`api/domain/epcis/query.py` keys_of). Rows stored before get theirs here;
the events themselves are not touched (their eventIDs are hashes of them).
"""

import json
from typing import Any

from tortoise import BaseDBAsyncClient

from api.domain.epcis.query import keys_of

RUN_IN_TRANSACTION = True

COLUMNS = """
    ALTER TABLE "epcis_events" ADD "epc_classes" TEXT[];
    ALTER TABLE "epcis_events" ADD "event_time" TIMESTAMPTZ;
    ALTER TABLE "epcis_events" ADD "event_type" VARCHAR(64);
    ALTER TABLE "epcis_events" ADD "disposition" VARCHAR(512);
    ALTER TABLE "epcis_events" ADD "biz_step" VARCHAR(512);
"""

# The table is append-only (migration 7): its owner, running this, lets the backfill alone
# through, in this transaction, and closes the table again before it commits.
OPEN = 'ALTER TABLE "epcis_events" DISABLE TRIGGER "epcis_events_no_update_or_delete"'
CLOSE = 'ALTER TABLE "epcis_events" ENABLE TRIGGER "epcis_events_no_update_or_delete"'
FILL = (
    'UPDATE "epcis_events" SET event_type = $2, event_time = $3, biz_step = $4,'
    " disposition = $5, epc_classes = $6 WHERE id = $1"
)

KEYS_REQUIRED = """
    ALTER TABLE "epcis_events" ALTER COLUMN "epc_classes" SET NOT NULL;
    ALTER TABLE "epcis_events" ALTER COLUMN "event_time" SET NOT NULL;
    ALTER TABLE "epcis_events" ALTER COLUMN "event_type" SET NOT NULL;
    -- Queries page through events in time order (keyset on time and id, never OFFSET), and
    -- find a lot's events by its class (MATCH_anyEPCClass) through the GIN index.
    CREATE INDEX IF NOT EXISTS "idx_epcis_event_epc_cla_f77de6" ON "epcis_events" USING GIN ("epc_classes");
    CREATE INDEX IF NOT EXISTS "idx_epcis_event_event_t_09cc12" ON "epcis_events" ("event_time", "id");
    COMMENT ON COLUMN "epcis_events"."event_time" IS 'The event''s eventTime in UTC, for queries.';
    COMMENT ON COLUMN "epcis_events"."epc_classes" IS 'Every epcClass of the event''s quantity lists, for queries.';
"""  # noqa: E501


def _event(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return found


async def _fill(db: BaseDBAsyncClient) -> None:
    rows = await db.execute_query_dict('SELECT id, event FROM "epcis_events" ORDER BY id')
    values = []
    for row in rows:
        keys = keys_of(_event(row["event"]))
        values.append(
            [row["id"], keys.event_type, keys.event_time, keys.biz_step, keys.disposition,
             list(keys.epc_classes)]
        )  # fmt: skip
    if values:
        await db.execute_many(FILL, values)


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(COLUMNS)
    await db.execute_script(OPEN)
    await _fill(db)
    await db.execute_script(CLOSE)
    return KEYS_REQUIRED


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_epcis_event_event_t_09cc12";
        DROP INDEX IF EXISTS "idx_epcis_event_epc_cla_f77de6";
        ALTER TABLE "epcis_events" DROP COLUMN "epc_classes";
        ALTER TABLE "epcis_events" DROP COLUMN "event_time";
        ALTER TABLE "epcis_events" DROP COLUMN "event_type";
        ALTER TABLE "epcis_events" DROP COLUMN "disposition";
        ALTER TABLE "epcis_events" DROP COLUMN "biz_step";"""


MODELS_STATE = (
    "eJztXW1z4jgS/isuvuxsFZNKgLxs7uqqgHiy3k0gRcjs3u1suYwRoIuxGb8k4Xbnv59kY7"
    "Bl2WM5NjGKvkwGWS3D0y2p9ajV+quxtKbAcI66K9g3IDDdkfXcuJT+apjaEqD/UJ83pYa2"
    "Wu2e4gJXmxi+gLaCqu5X9cu1iePamu6iRzPNcAAqmgJHt+HKhZaJBbqmZNlzzYSOhot+cC"
    "Rn7bhgKemaYUBzLrkLIHXvFOkZugvLcyVNWgHbsUzpw7DruQspeJuk22CK/kL0lh+P8Kun"
    "lo7ejVqo9C2eCb96QHWtOUBN2Ohdf/yJiqE5BS/AwR//aswgMKb+/xvRL6HCKW4BNam5YK"
    "pqLv6EyrA8eFnZwHFQLSdscqMS0zMMDPh65ePd8CsjjP0P33DF1aPqvzGmyOBdfrkayj48"
    "KFef/JoYromqW4a3NHe1V2uEhbmt7nlweoRl8LM5MIGNv3dEs/irbewgLArgQQWu7YEtLt"
    "NdwRTMNM/A9tH458wzdQyM5L8J/9P51+arRaqp6mA4Vu/lsao2Eua0QSeq+02RjqBEMEFs"
    "mAiYb0G7O0D80gZ+Qf/n7uhD++xHHwLLcee2/9CHq/HNF9RcTd1pdYey/zeBc3+h2XScw/"
    "oE0uiLFsE4LNiBvOtzIXwhQBVA2lhqL6oBzLm7QB9Pjo8zMP7cHfkwo1o+zhYaJIIBZLB5"
    "1AqeYbx3+Dq6hVtJIPzL/XBAR3gnQWA8hbor/S0Z0HGrwjpi0RMPGi40nSP8vrcwaowQbn"
    "npOF+NKM4fbru/kyro3wx7pPXjBnqEOjQ0MqpLNPBZlNEl3eoJMQ6Nv93KYfvtVqrp40dx"
    "qFfexIC6+gjWLNYfl3pVD9iM13XBe9+mjpFRDbiEroocA3UJTc+lDPWK6dI1kSpPKAX9vs"
    "NTBvq66M/H1knnvHPRPutcoCr+99yWnGfoSxmMCbBDl2hCMfZ0pyUuVabzUl9b/66vkgQ1"
    "8DPjoF6hJy5cgmxgA0lyFNmIHoX/4QvgsXIr34+7t3exEeWqO5bxk5ZfuiZKP5wRo8y2Ee"
    "k3ZfyzhD9K/xkOZFJr23rj/zTwd0ITpaWa1rOqTaOYhMVhUUzN3mpaUM1xSaHmWqvZBk/W"
    "YyE1xyVLUHPNJiOetEyhC/LOhhRRMSWiKREzJLNH6uo9ClkS6k+WDeDc/BWsfcAV9H00U6"
    "f5cBvSbBhpbsObHSbKu9Jdb7e15y3LRLM19B8EAnB9QEaoI4yU/jjgpyaa/vis2VM1RQ0O"
    "QA6HS1nl9zaCn34dAWOrJTr4AV157zfFF/g+hlbLimAXQzX5aNlakiWaqc39n4Tfjd8UEr"
    "3eFLo31jyNB448bmbSwLiialjzfCxwOiiM/GopJCoegaNt6q5lb8watV9iy65mo59VSdOa"
    "HvaPctuldPVXvkBQ1m9KWbM7kGJ9cACeY3TQytuFojKv6EiHsx5gYE9q44lziW6wu8qIa0"
    "xIIEpFlHVDkhArtDVTMzz3sC25c7Zyb4HpKcsXHna/zjo5ID7rpCKMH8UB3jjKPkgMKBNi"
    "/Flz+fuMsSUJI87UkZgDlMu3Z7higTeozR+undMcuHZOU3HFj+K4eg6wVQ1hQlnUpOMbl+"
    "IP59OTPMMEqpWKtP+M2BAH6Jc6rCNFXIrDue+kdZHHv2hdpPsX+BnVmSsGOVWYPyOvBPgl"
    "cDXMnCTxTo+5icrUI+YMv/agY84Sezbp2whVkuM9zdUX8lN6mHS8QjOLIJ/gqip4YgiUln"
    "yZHxxpoTmLj/oCqQBMpQUyJste/0NC7wLm9KNlGmvpAw5nxkY40Rwg2WCGpjhHQiLmHFDD"
    "o8ttm0La/7H5xcHw44CvjT8JHp+JB+7BeWqoFXWEo8RVbYaz11HA1UdV/dRqtdvnreP22c"
    "Vp5/z89OJ4G16VfJQVZ9VTrnGoVazbhbFX6fwwVlUC/lTsN7ULBbXVbmIvOaqNefX6mmVr"
    "7cCseN0qtjE43sawLYOp58SlOOw/J2d5fF1ScRFX94xCYYr9IrFfdCDosq7JxHosxKeU9V"
    "jsYIoNnlS8amAZoGNCHI7P5TPGrAgLcBnAdTSDiTAO6wtwc4BrgLmmr5mHCEKMP8KyfKSj"
    "DEteZyMqI+LDs+PDfayS4DIHhvs0IV9ByU0iIjxqVsyh4JVzuFn0bT7mFuw5rtkGOlxFwp"
    "1KTRpBhvg+I5Pc83tQl3E9h3hjie8SSTb4iVjWUZ9k8STC+uV4a2+7JVAxi/rGB69r5q+V"
    "w1WsbGvq6Uzri4gIh0uMSkIwnzQbApditukoR0T4W11UArJlwzk01ZlmL1mAJsQ4NOlWLr"
    "RbGWi3UtG2wZwxuDghyJ95Vwm4bnmmazMNJUlJHo08D+LpeCcZTfsJB6ThndYk1njvNo3Z"
    "jMtl7eAeIOYZIOMdWQLEr55mupA2712hFeNSM+gYRsVI/AK5o408ZwjKfeW2e/PhpNNs+5"
    "bqfDVgQExs440TwwL6XSnem2x6ywTnEw8t3sjWeTho/Hp9KT3Ov5hjNOh/MW96l5IxaRQY"
    "IPIQmul8ZpKV33ICRZDfSe8P+waech0X2CDscrl1MJKvlfuxPJKvLqVdK19MZaCOR93BvY"
    "KUg2YYhL3pQKSlK/lG+RxUnwIDPgW1R/Ivcn8ctPFfoLu4rN8d9OWbG1yoY6QMA5fe393g"
    "Jp2VERjo20cgiPxURUa0g4voEfmp3oWa8WJPDdJPJvXcsywDaCZdzYQkoecJEq1KtduS/e"
    "q2NxzexNTaU4go3cHDbU9GwynhsiRDTDf5PlkZUkKMO6K0k+doSCf9ZEgncTDER8xZFBrH"
    "SFmRgq3OA9nchUzkS1ifP87lJI9/f5Lu4J8kPPwNbWJYerE4SZq02H4gMI7ssuZGNiIjgk"
    "LIoV+z2XOVxISEiZJHiePBDXlBJeUErgSBsoArdWZbS0ZcSTmBKwVX5DIUQHUrJTDNTsWK"
    "Z6AkuiIHa3oO1sicnRJxRx1z3wTkeprwdzEmJ5wcOBNOaglo32ya4hppum+fA+/t3CWQzo"
    "c0Odnnxdi1BMIMCG8n/hz4BouFEuBlCDQ/UGxj66pX5BzfJeIgmGqGlOOJ7B+ceBrxXboF"
    "NKYI8xKg4sowYyCBlQ4dtQybknFLvNuUv6kdZMR8JVzjXUuc4VXlmRjyrgTK0RjKdQrpJ2"
    "Q2Gcci9zjs76BMLClwSWdJxHmPNz3vEdgR8wFSQoy7Tc3yz4+KCJwiln1wO5ri6rD3oOU3"
    "Tal/QN23OEcdgFXCMr27goF/xZfP2iTW6jHjqtWh8Pgqi+L+JpZh6c4vufbLndhT8mV+cK"
    "Tr+xNJvusr91Lr6FiaWfaylOSeZbZfKMFnzE/3v4waThPlHixHKlB1Q3PQ12Zr9loZvMb1"
    "F0lJ8TORlHQP+JeWlDToh2wZxaMy3C2rKskj7iOWhDg9Yd1WYP8Z697GDaskN51Y0BZRxc"
    "EtdTa+xJotvXJcqs4H9GpDEMWdNpb+FJcU/anW/WkC/6c6LmC6oygqw1/oeyU36EyhgzQH"
    "Wa+OI8QE2LnAjq4JE2B3bVtbpwxccTkC7X1nDsbve4vdm7H8+/iPP0W6yb3yiyLd5OGnm1"
    "TMJ+huQ9wozGK8QjOLWYTbqnveU6ckpBc76zzsrIOlBg2mNVMowOFyqd3Kk1IK1crIp5jI"
    "HZN+c8n3M5gcwv0ljeFvA3l0KfmnD76Yt91B9xp/DgZEVPJZkX/DBU8QPAcnOt4+04hrPQ"
    "KTOZ4kLsUd71nBJbd4vmJOJhqXEj6ioDTfIwWDHCqImiug5rikUHOt1azpOlgV686EqAjG"
    "Ogg9s82FhJg4M0zmDRCBjPz3ndrcpHdAE+ErDt5HICuBe3xH5++TtlYrJjJ61JbCQxIncd"
    "NZyPBIdq04yKa40+WwmUj/bwLndDImrF9nbqwgEVNJavtH9NNY8A3rc4hv+XwiehcAbBdI"
    "biX4276vxH51ao77jDuf6MntOYC3kotd2O8Y4flykUogxhOiZrCn5o2L8Qd2rl23jE235J"
    "5bgftbxMUtDBe34CQMrkcz48w7R6Jir75zpGYmnQFweOXIT82z3DeOGJY5LwRxVE5gnInx"
    "CoHDNhKHAvyNweVfJDk32JJmG7y6Eu08nkQ73ZFoU5BVwYsLTIfRY0sI8od2+b6EZusL+F"
    "Rsgy4uKjYZ6rzJ8MYX39bNfxSxKqLv5O474kand6FmsQ9b6WAprpUQO9uHvrNdSRLjd5Ej"
    "uqw8xpu86dYsCbzIzxtLYL5Cfgc9T7wAKgEULdm7gKnkpNhcDnSVJi6+BcsJsLGRpkQ1xS"
    "s0s+KaltuqFUQ2UeOXPCe4sCUzT1pYqSnOXF5yEekkTgTW8ESgYKqK9IKDozAEU/Uu1CyY"
    "qkqZqohLkhfWiIiAU9BUNaKpsGWWAPMDaoZveCNduFbnWkgDp6wCKX0gfR0YNaPqz7iIxZ"
    "g4dlKX2Jkqwvb3H4pbM16s0khcEcPIaQxjjfIClR/BuLKtqafT8nD2LMsAmpliuxExAuQJ"
    "kqtqAN6W7HdS6w2HN7H1dk8hbkkYPNz2ZAQ9EfGcTPE/8dasWIciAmcGnAWJWEQBB8cuCR"
    "KRWzUnaJk8IRfBtVavvLiW0yvA4vMQDgKgTvvVRBIcJEg20IF/amDfaNXMuc8FFpERuThO"
    "iSzMPJpWLHPLvsJUDhIpIhakOFaJ+BNe0KqS0R2BGZrHF2OcbzeF0SWrNLMYXTuorPoJfP"
    "ectijCmkdyzonwnYNljGfaEhprxu3PmFC1G6D7JIrK2U4W2bgprFsFd3eJjMK8LltjEdvB"
    "nKIWVze9BaH2Wqsd+RmFGClHnE8/CP2KVMfvQctiB+FdqBky3awJOb1Ts3Oaw8XtnKa6uP"
    "gRJTBVm1OPnabjG5fiD+dKrtN0PF1HfqJFiZ0cgxc3xbOMCvEAdNagJP8+jo1HifvMt2PS"
    "zXBwHVYnLzmPo16bwPbD0YOIa69JXLsItA6Np2Cgdb973+9eyW8VZz22NdPR9Iwwa6JGM4"
    "uTd3d198zIR6+KFTcI8EPMm8B9tuxHFs8vIsJhQHf5FLL7wk7Tv3DM0ec5hnyWfgz5LHEM"
    "GTzhJDA+QlSMv39CPN5Cna26MZKvlfuxPJKvLiWcTd5xgQ2mX0y0uh4/3KsIo8E1foZ+qe"
    "s5qr7QzDl+3pdHY+WTgh/pwHYhgglL/azc3fnVg5QlX8yR3JeVz0HrQUxNo4CSyw8rnxiW"
    "/qgiTU5oDlEPzhUzZf1EShLqhcEK9rBcd/R10Z+PP7Va7fZ567h9dnHaOT8/vTi+QHX9L5"
    "x8dJ4Vz6tc48jcmDaSobqBTRXtZDvp/XWwxgqYUwwkYy+7kwdXyuD6UtrIo/4zHHxSRrd+"
    "/7HMGbSXuLd86io3uGimQaNYTyk/K8NKWxuWNmWedEg5HqiGquf2N06AWzO0yyEUBF1TJb"
    "poaF5YNvPgQIiJsSH/2CC2pbjeltp6A0UUTciKfeY6azrKgeWdkaIyguvO5rp9rEoguzk8"
    "7NIk2O6oWdUqr0i40UAhuiN7EOkMN6bxRf4QzklnsETLZRbvcyvAHRvaznX5Tjvj9p128v"
    "qdGXqxypqkJSZUZwq0INKVZGrhPi3p3Wh49dDHiUc3iSTsL2bv4d+4YOKt8afuw5UyHqLP"
    "mjeFroVLrm6VAfo8XUKzLpSY4zxbdhFOjBCss7KKdozTPCFlqFZ6xzhNBJVBR8X71E+U3p"
    "GZQiMmt8c8GuEMINJoCLahzmtQkUaDWzUXSqMhzlyzpYkgzzQXB4xymJoXyKokCLrAhvqi"
    "QeEHNk+aWfSAtqtTG34gNfCASg9Qwg02vkd9V6xBsEHrpHPeuWifdbYxBtuSrNCC0FVJpw"
    "Oe0LhDTduc7pdHRIRHns8jx52KAeFNdQ7RPclFBJxkEAEntJStpks9QfPL/XCQuvnj0o/P"
    "TKHuSn9LBnTyhCbVDe0McDEYMRcscbyDPMlB+Fa4gR5tF2GfbPe3/wNSD2Kz"
)
