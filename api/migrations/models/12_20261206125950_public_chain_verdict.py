"""The public view answers with a verdict made when the chain changed, not on every read: each
batch keeps its chain's verification and what it was made over (its events' row versions and
its anchors, `chain_basis`). A read that finds other rows (an event changed or removed behind
the API's back) checks the chain itself (docs/security.md, "What the public chain reveals").
Existing chains are verified once here."""

import json
from typing import Any

from tortoise import BaseDBAsyncClient

from api.domain.events import BatchEvent, ChainBreak, Verification, verify

RUN_IN_TRANSACTION = True

COLUMNS = """
    ALTER TABLE "batches" ADD "chain_verdict" JSONB;
    ALTER TABLE "batches" ADD "chain_basis" VARCHAR(32);
"""
COMMENTS = """
    COMMENT ON COLUMN "batches"."chain_verdict" IS 'The chain''s verification when it last changed (valid, length, head_hash, broken_at)';
    COMMENT ON COLUMN "batches"."chain_basis" IS 'What chain_verdict was made over: md5 of its events'' row versions (xmin) and its anchors';
"""
# The same expression as api/infrastructure/db/verdicts.py's, as of this migration.
BASIS = """md5(
    coalesce((SELECT string_agg(e.xmin::text, ',' ORDER BY e.seq) FROM batch_events e
               WHERE e.batch_id = $1), '')
    || '|' ||
    coalesce((SELECT string_agg(t.tx_hash || ':' || coalesce(t.anchor_hash, ''), ','
                                ORDER BY t.created_at, t.id)
                FROM transactions t WHERE t.batch_id = $1), ''))"""
SEAL = f'UPDATE "batches" SET chain_verdict = $2::jsonb, chain_basis = {BASIS} WHERE id = $1'
MAX_ANCHORS = 1000


def _event(row: dict[str, Any]) -> BatchEvent:
    data = row["data"]
    return BatchEvent(
        row["batch_id"], row["seq"], row["type"], row["at"], row["actor_role"],
        json.loads(data) if isinstance(data, str) else data, row["prev_hash"], row["hash"],
        bytes.fromhex(row["salt"]), row["legacy_hash"],
    )  # fmt: skip


def _json(result: Verification) -> str:
    broken: ChainBreak | None = result.broken_at
    return json.dumps(
        {
            "valid": result.valid,
            "length": result.length,
            "head_hash": result.head_hash,
            "broken_at": None
            if broken is None
            else {"reason": broken.reason, "seq": broken.seq, "tx_hash": broken.tx_hash},
        }
    )


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(COLUMNS)
    rows = await db.execute_query_dict(
        "SELECT batch_id, seq, type, at, actor_role, data, prev_hash, hash, salt, legacy_hash"
        " FROM batch_events ORDER BY batch_id, seq"
    )
    chains: dict[Any, list[BatchEvent]] = {}
    for row in rows:
        chains.setdefault(row["batch_id"], []).append(_event(row))
    anchors: dict[Any, list[tuple[str, str | None]]] = {}
    for row in await db.execute_query_dict(
        "SELECT batch_id, tx_hash, anchor_hash FROM transactions ORDER BY batch_id, created_at, id"
    ):
        anchors.setdefault(row["batch_id"], []).append((row["tx_hash"], row["anchor_hash"]))
    sealed = [
        [batch_id, _json(verify(chain, anchors.get(batch_id, [])[:MAX_ANCHORS]))]
        for batch_id, chain in chains.items()
    ]
    if sealed:
        await db.execute_many(SEAL, sealed)
    return COMMENTS


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "batches" DROP COLUMN "chain_basis";
        ALTER TABLE "batches" DROP COLUMN "chain_verdict";"""


MODELS_STATE = (
    "eJztXWlz2zgS/SssfRmnynFFh4/xbm2VLCseTmzZJcuZ7IynWBQJSxhTpMLDjncm/30BHh"
    "IJggxBkxIF40scgWhQeo2j8dDo/ru1sHRgOAf9JRwYEJju2HpunUp/t0x1AdB/qM/3pZa6"
    "XK6f4gJXnRq+gLqEiuZX9cvVqePaquaiRw+q4QBUpANHs+HShZaJBfqmZNkz1YSOiot+ci"
    "TnxXHBQtJUw4DmTHLnQOrfyNIzdOeW50qqtAS2Y5nS3nXfc+dS8DZJs4GO/kL0lncH+NW6"
    "paF3oxZqfYtnwq8eUFxrBlATNnrXH3+iYmjq4Btw8Me/Ww8QGLr//1b8SyhQxy2gJlUX6I"
    "rq4k+oDMuDb0sbOA6q5URNhioxPcPAgL8sfbxbfmWEsf/hO664fFT8NyYUGbzLL1ci2bs7"
    "+fyjXxPDNVU0y/AW5rr28gVhYa6qex7UD7AMfjYDJrDx945pFn+1sB9ERQE8qMC1PbDCRV"
    "8X6OBB9QzcP1r/fvBMDQMj+W/C//T+E361WDVFGV1PlNvhRFFaqe4UohPXfVikISgRTBB3"
    "TATM96DdNSB+aQu/YPBLf7zXPXrnQ2A57sz2H/pwtb77gqqrKmutrlH2/6ZwHsxVm45zVJ"
    "9AGn3RMhhHBWuQ12Mugi8CqAZIWwv1m2IAc+bO0cf2hw85GH/uj32YUS0fZwtNEsEEMgof"
    "dYJnGO81vo5m4VZSCP96ez2iI7yWIDDWoeZK/0gGdNy6sI716KkHDReazgF+3zY6NUYIt7"
    "xwnK9GHOe9q/4XUgWDy+szsvfjBs4IdahoZlQWaOKzKLNLdq8nxDjs/N1Ogb7f7WR2ffwo"
    "CfXSmxpQUx7BC0vvT0q9agSE83VT8N50V8fIKAZcQFdBhoGygKbnUqZ62XTpmsiUJ5SCft"
    "/uKQN9XfTnfafdO+6ddI96J6iK/z1XJcc5+pJHEwLsyCSaUjp7ttGSlKrSeGluX/+hrZIG"
    "NbAzk6CeoycuXIB8YANJchYJRQ+i//AF8ES+Gt5O+lc3iRnlvD8Z4icdv/SFKN07ImaZVS"
    "PSb/LkFwl/lH6/Hg1Jra3qTX5v4e+EFkpLMa1nRdXjmETFUVFCzd5SL6nmpKRQc6PVbIMn"
    "67GUmpOSFai5YYsRT1qm0AVFV0OKqFgS0ZKIGZKHR+ruPQ5ZGuqPlg3gzPwEXnzAZfR9VF"
    "Oj2XAhaXYday7kzXYT5XXperTb6vOKZaL1NfQfBAJwfUDGaCCM5cEk4Kemqvb4rNq6kqEG"
    "ByCDw6Xs8s9CwY+fxsBYaYkOfkBX3vpN8QW+j6HVsWLYJVBNP1p0FmSJaqoz/yfhd+M3RU"
    "Svp0P30ppl8cCxx/u5NDCuqBjWrBgLnA0KI79aCYmKZ+B4m5pr2WG3Ru1X2LKr2uhn1dK0"
    "qkXjo9p2KUP9lS8QlPVWKWt2A1LsD3bAcoxPWkWHUFzmFQNpd/YDDOxJYyxxLtENTlcZcU"
    "0ICUSpiLIeSBJipY5mGobnBo4l18ZW4SMwLWP7wsPp11GvAMRHvUyE8aMkwKGh7IPEgDIh"
    "xl9vrv6cMbElYcSZOhNzgHL1/RkuWeANavOHa++wAK69w0xc8aMkrp4DbEVFmFA2Ndn4Jq"
    "X4w/mwXWSaQLUykfafEQfiAP1Sh3WmSEpxuPa1OydF7IvOSbZ9gZ9RjblykFOF+evktQC/"
    "AK6KmZM03tk+N3GZZvic4dfutM9Z6swm+xihTnL8THW1+fAp2006WWE/jyCf4qoKeGJwlJ"
    "Z8mZ8caa468/faHKkA6NIcdSbLfvmXhN4FTP29ZRov0h52Z8adcKo6QLLBA1riHAmJmDNA"
    "dY+utm0Kaf9H+IuD6ccBX1t/1s7jMzHLZ3CW6bxFnTMpnlrhBPk6Url+P62fO51u97jzoX"
    "t0ctg7Pj48+bBy2Eo/yvPcOpMvsPNWYiBH3lzZjDNWfgr+TOzD2qXc5BpnKlTsJ8e8H37N"
    "RrhxYNa8ExYHIxwfjNiWwTRyklIcjp/2URHrmVRczHg+opCi4gRKnEDtCLqsuzyxw4vwqW"
    "SHl7jqYoMnBe9DWCbohBCH83P1HDQrwgJcBnAd1WCioKP6AtwC4BpgpmovzFMEIcYfBVo9"
    "0nHOpqixEZcRHuf5Huc+VmlwmV3NfeKRLzfnfcLHPN6tmJ3La2eF8wjhYlww2LCntA00uI"
    "w5UFUahoJ0Gn5GXXLD70FDxvUc4o0VvkuE7eDHB1pDY5LFkojqV2OtbfdIoGYWdctXuRtm"
    "r1XDVSxtS/c0pv1FTITDLUYtTp1Pqg2BS+m22SjHRPjbXdQCsmXDGTSVB9VesABNiHHYpT"
    "uF0O7koN3JRNsGM0Z35ZQgf927TsA1yzNdm2kqSUvy2MmLIJ6Nd5rRtJ+wixs+aU1jjc9u"
    "s5jNpFzeCe4OYp4DMj6RJUD86qmmC2nr3jnaMS5Ug45hXIzEL5A7COU5Q3A4kK/6l3vt3n"
    "7X76nOVwMGxMTKgzk1LaDflWG9DU1vkeJ8ks7KoWyTp4PWp4tT6XF2b07QpH9vXp6dSsa0"
    "VWKCKEJoZvOZaVZ+xQmUQX4tvTnsW3jJdVxgg2jIFdbBeHgh306G4+H5qbRu5d6UR8pk3B"
    "/dykg5aIVB2JsORFo6H17Kn4PqOjDgU1B7PPx1OJgEbfwFNBeXDfqjwfDyEhdqGCnDwKW3"
    "N5e4SWdpBB10+x4IIuJVmRlt5zx6RMSrN6FmvNlTgoCWaT2fWZYBVJOuZkKS0PMUidal2l"
    "XJZnV7dn19mVDrmUx46Y7urs6GaDolTJa0i2kYQZSVISXEuCNKe0Uum/Sy75r0UldNfMSc"
    "eal5jJQVQd2aPJHNXMhEvkT1+eNc2kXs+3a2gd9OW/jY+lQe0a8rbeUnWmgw5q1z+bN8Pk"
    "TWOnyCOsCm+k1/8Akb6ktVeyxjgheZ1LLntPS1RXyNSEEbCeyemNZHtnNlSlBEri7vThmA"
    "OVUdmLHzzdPBSqzBA6ExZ50hZ2tYWjknbZq0OPskMI65eBRGNiYjPNJIu1O12UMvJYREFy"
    "UjIyQ9q4qCSsoJXAnbbg6XyoNtLRhxJeUErhRc0X6lBKorKYFpfmRpvAKl0RUhpbNDSsfW"
    "7Ax3X+qcuxWQm9mFf4gxueAUwJkwUitA+zJsimuk6bZ9AbxXa5dAuhjS5GJfFGPXEggzIL"
    "xa+AvgG2wWKoCX4ZbLjmKb2Fe9IoXCOq4QcUzGkEEhFcyIE0uDIMegoSPMK4CKq46ZAAks"
    "NegoVfSpIW6J9z7le9QEAX5fCddk3RJneNV5IY9M/UK5l0fJDpN9PS8MoBhLS7O5W3qJGO"
    "cVXWQTl822etks6EfMt9cJMe48Kqq/vC7c/8r07J1zpxCZEN+ClreaIWSHhm95jjoAq4Jt"
    "en8JA/uKL5t1n9irJzpXoyJS+Lusgbp0PRtkGMBklVwDONj/aUHtotGKTWl4M5BvpVBM+s"
    "uaSnsXt+2fHAnjI02RepEa3iWCCx9I4XdyJNszpWfozqEp4YDDYfjy/Rahw9pedG+qhiFZ"
    "tmRa+NnsVFIlHA0Z6P4boCM9QNN3upRUU5ccT9MA0IGeFQCZsPKFEb7diA+B9pnjEiTFxJ"
    "JCxot6UbKWkVwP/YTcBv3ztwNohe75Yo/zJqzfaKkpoWdCVOxymqxnZIuY+LeyzZ4xKTF3"
    "Fp87fZPNoVH0eWDHpATYxcEGtm3ZFKyzLwGsJTYfY5kj93//2A7tUtmwjwsJ+F8Nvx/GJa"
    "2AzKQnhJRIfkKZURoTD79pQNfjwRqDrAKO8A05sqb72pYde1idMJpp72/WpyCJWRahWiz1"
    "G+lOUzj1m+TL/ORIF7ftkPTsHHyQHix7UUn6tyrbf30KuGANjPak1QYKRipQNEN10Ndma/"
    "ZCHhEtMxG5IskcfsZXkrmGTY9Vm1nRViCNZravSlyGO0eVWhLN+ogx79DE7uy1d+MFff4W"
    "aNXQlMDaYZ7FIqkmx1tsjMtd0mZjGU9JSTGeGj2epvB/iuOCJctoisvwF0zksF0kmgiqlT"
    "mY/GdETkLoIM1BOuWSjTQhJsAuBHZ8S5gCu2/b6kvGxJWUI9DedCJI/L5tuOJMhl8mf/wp"
    "sofV614Tuh+xesEmpESkBpGRbWMZ2SidtwJsKc6rO9lzf+xinBi5jfIxls0n6K6ObyiEeL"
    "LCfh4hDldVN3y7jnI2I+7Y8eDeCxYqNJj2+pEAh9v8bqdIZhtUKyfUYSqFhW0ZGWTKj0Os"
    "RrJNxrp1/dtoOD6V/DhE9+ZVf9S/wJ+DCRGVfJaHv+GCJwieg9hO20944FqPwGS+WZqU4o"
    "6vr57l8tcr5rsDSSmxtxFU/FukDpFBBVFzJdSclBRqbrSaVU0Dy3LDmRAVFxZ2Qs9sayEh"
    "JjgpMoKwCGnA/9gRDszCgXn7KG/EgblOJjIedJPCQxIxObNZyCg4a6M4yP1Xe74KJnKrTK"
    "T/N4VzNhkT1W8yN1aSiKklw3Z2qic6vq9K7NRsfKvnE9G7AMjIVJzhSL2S4M/tpJb+q1FT"
    "beekZaLn2OYA3nYheNs58LbT8OLEx2zeU2sJAXEhiPGCqBrsGUKTYvyBXejULefQLX3m5t"
    "8Httmmi7UIhyteETfAbCfAlAsgvjjperRufA40uFANOsZxMZJxCeQOQvnd69I5AJ8PB/JV"
    "/3Lv5/0jIvrDKv9tqgcbljkrBXFcTmCci/ESgcM2E0cC/M3B1ed4nBlsuXsNXk2JbhFLop"
    "ttSHQpyCrgmwtMh9FiSwnyh3b1toRqa3P4VO6ALikqDhmafMgQcYmMcS4TUuJoQfiqvMWx"
    "4y31kmpOSgo1N1rN4hy21slSJJgWJ9u7frJdSzrDN5EtsqqMhmEGVeshDbzI1JdIZbpEdg"
    "c9Y6wAKgUULe2rgKni9JhcTnS1hhu8AospsHEnzfBqSlbYz/NrWqyq1uDZRPVf8pwgdXtu"
    "eL+o0r64c3nKhaeTuBHYwBuBgqkqMwp2jsIQTNWbULNgqmplqmImSVFYYyICTkFTNYimwj"
    "2zApjvUDN8wxsbwo2610J2cMoukDIGsveB8W5U/x0XsRkT106a4jtTh9v+5l1xG8aL1eqJ"
    "K3wYOfVhbFBcoOo9GJe2pXsaLX5sbkbBuNgGUwquSnY2p+DUe2HFOhIROIskw4JdEiTiG1"
    "FzipYp4nIRZGR/ZbK5/hIO/Hb4IhGS6xB2AqAu+/V4EuwkSDbQgH9rYNNoNcy4LwRWkCIw"
    "DP9cRbpHpmjZO9m/iCDS5fFKBa7mEa1EsJtNefbsJFKE+0x5rFIuO7ygVScJPgYPaAKcT3"
    "CI4gwSnKyyn0eC20FlxY95vOFIT7GDhliYPuHxtLMk+4O6gMYL44lxQqjeM+NNcmvVnMCL"
    "AOYUorKGNH0iCDOvO/2Ek3uwpijl1U1vQai90WpHdkYpEs8RV/p3Qr8iOvRb0LI4dHkTao"
    "ZMSXQhp+lze4cFTNzeYaaJix9RfHnVGfWmbja+SSn+cK4lc67jaRqyEy2Ku+kEfHMzLMu4"
    "EA9A501Kwy+TxHwUwbl31f/yLjEnXV6PLqLqMfgHl9dnBOqNuQuwO3oQVwEachVA+KZHna"
    "ekb/qgfzvonw+35Zo+sVXTUbUcz3Sixn4eJ++u626YkY9nMBZJF/gh5k3gPlv2I4vlFxPh"
    "0Ae+egrZ/cZO03/jmKMvcnP7KPvm9lHq5jZ4wnFzfISoGP/4Un2yhSb36tZ4eCHfTobj4f"
    "mphAPwOy6wgX5vot315O5WQRiNLvAz9Etdz1G0uWrO8PPBcDyRP8r4kQZsFyKYsNQv8s2N"
    "Xz2I8nJvjoeDofw5aD1wQ2qVUHL1nvhTw9IeFaTJKc0gOoMz2czYP5GShHphsIPdLdMdfV"
    "305/3PnU63e9z50D06OewdHx+efDhBdf0vnH50nOcCLV9gZ+aENtLezUGfKjvI1tKbG2Ct"
    "JTB1DCTjKLsZjs7l0cWpFMqj8XM9+iiPr/zxY5kP0F7g0fKxL1/iogcVGuVGSvWBLJbqi2"
    "GpOvOiQ8rxQDXUvbZvOWZww9CuhlAQdE2d6KKpeW7ZzJMDISbmhuJzgziW4vpYamUNlFE0"
    "ISvOmZus6TgHVnRFissIrjuf6/axqoDs5vB+0D7Bdse7VaNCsUQHDRSiO3YGkc1wYxpfhF"
    "zhnHQGC7RdZrE+VwLcsaHdQvmKujkJi7rpjEUP6MUKa1ybhFCTKdCSSNcS3Ib7SK434+vz"
    "uwGO1RrG3rDvzbO7/+KCqfeCP/XvzuXJNfqsejp0LVxyfiWP0Gd9Ac2mUGKO82zZZTgxQr"
    "DJyio7MA6LuJShWtkD4zDlVAYdBZ9TP1FGR27UkYTcBkOPRCuAiDwi2IYm70FF5BFu1Vwq"
    "8oi4c80WWYO801weMMplal4gq5Mg6AMbavMWhR8In+zn0QPquk5j+IFMxwMqPUBxNwhtj+"
    "buWANng067d9w76R71Vj4Gq5I814LIVMmmA57QvEONdJ1tl8dEhEVezCLHg4oB4bA6h+i2"
    "CxEB7RwioE2Lcmu61Bs0v95ejzIPf1z69Rkdaq70j2RAp4hrUtPQzgEXg5EwwVLXO8ibHI"
    "RthRs4o50ibJLt/v5/jyYYCQ=="
)
