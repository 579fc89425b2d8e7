"""Lots are public only when their holders mean them to be: each batch gets the public code its
public page answers to (a client's code under a random suffix) and the time it became public.
Existing lots that were shipped are public from their shipment, and their sub-lots from their
split; the others are not public until shipped or published (docs/security.md, "When a lot
becomes public")."""

from tortoise import BaseDBAsyncClient

from api.domain.batch_codes import public_code_for

RUN_IN_TRANSACTION = True

COLUMNS = """
    ALTER TABLE "batches" ADD "public_code" VARCHAR(48);
    ALTER TABLE "batches" ADD "published_at" TIMESTAMPTZ;
"""
SET_PUBLIC_CODE = 'UPDATE "batches" SET public_code = $2 WHERE id = $1'
PUBLISHED = """
    UPDATE "batches" b SET published_at = shipped.at
      FROM (SELECT batch_id, min(at) AS at FROM "batch_events" WHERE type = 'shipped'
             GROUP BY batch_id) shipped
     WHERE b.id = shipped.batch_id;
    WITH RECURSIVE public_lots AS (
        SELECT id FROM "batches" WHERE published_at IS NOT NULL
        UNION
        SELECT c.id FROM "batches" c JOIN public_lots p ON c.parent_id = p.id
    )
    UPDATE "batches" b SET published_at = b.created_at
      FROM public_lots WHERE b.id = public_lots.id AND b.published_at IS NULL;
    ALTER TABLE "batches" ALTER COLUMN "public_code" SET NOT NULL;
    ALTER TABLE "batches" ADD CONSTRAINT "uid_batches_public__0b9904" UNIQUE ("public_code");
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(COLUMNS)
    rows = await db.execute_query_dict('SELECT id, code FROM "batches"')
    if rows:
        await db.execute_many(SET_PUBLIC_CODE, [[r["id"], public_code_for(r["code"])] for r in rows])
    return PUBLISHED


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "uid_batches_public__0b9904";
        ALTER TABLE "batches" DROP COLUMN "public_code";
        ALTER TABLE "batches" DROP COLUMN "published_at";"""


MODELS_STATE = (
    "eJztXW1zozgS/isUX262KpNKHOflcldX5ReSYcexUw6Z29udLUoG2dYFgyNEEtfc/PeTBL"
    "ZBgAOOXzDLl1QsdQt4ultIj1rihzxxTGi5xw3PRKTjjPrOq3wt/ZBtMIH0n6TqI0kG0+my"
    "khUQMLC4PGCCuuWMeDEYuAQDg9CaIbBcSItM6BoYTQlybFpqe5bFCh2DCiJ7tCzybPTsQZ"
    "04I0jGENOKP/6kxcg24Rt02c8f8hBBy+T/y4Cw6yFTZkLwbYqh69JLuHO94HmCxslsyu9W"
    "5sL0FvmPn0dStE2DOFinbbInIZtsmQBMH2srTdObZtB+vF0mOH3SedMRl/Dvmpfrc93HR7"
    "V9wyWZNQe64VjexF5KT2dk7NgLcc9D5jHTYXUjaEMMCDRDXsJuLXCpeZHvELSAYA8uPMFc"
    "FphwCDyL+Zr8z6FncxwkfiX2p/6v4NZCYrre7Wn6g6LpupzDNQ0KJYUJ2YQh+uOn3+4SEF"
    "4qswu0vjT6n84ufuEQOC4ZYV7J4ZJ/ckVAgL403xJl36GjKLcpSgRNYDLSvoaAtBmoHM//"
    "WQfxecES8mU0z8Gcw7VbgDX1TnnQGnf3rPmJ6z5bHKeGprCaGi+dCaWffHs4tGPy+6xFI9"
    "K/Ve2LxH5Kv/e6imi1hZz2Ows72tcRR7edVx2YYUzmxfMiHqELs4b6lKwhFNb5QCAFYXIA"
    "Vn03bCJ4Bt1dFM3WGOBUNAMNAUt6cwcYHPIEvOkWtEdkTH9e1FfA+q3R58he1IUA6AY1NV"
    "4VBTh4VXGQcqAsqK0FdcEcNor0WS0D0me1VKRZVSLSSX3Duzgndg4lQHnz/oymeeD1pcuH"
    "a/08A67181RcWVUUV8+FWAcUk4RxSzq+Ua3y4Xx+mqWboFKpSPO6KNQY0id18/YUUa0Svv"
    "tOa1cZsKZSqVjzuijWhoWoc+rrQZ6oXD4n3wrwE0gAmxzF8f71oddNxjusI86DkEGk/0kW"
    "csm2HD006xx4yCLIdo/ZZfcx8WQYRaZEc6w/3TV+E83Q6vSa4lCbNdCkJmEswPApNENlBQ"
    "NgPL0CbOqxGqfmpMnGqya1iVgCbPoyMIMnZs8X8E9NQIyx8kKjKYWgigocraKoBkxUh0w2"
    "G0klNySu8zdXGgN3/NkYUxNAUxpTZ3Lw7B8SvRa0zc+Obc2kT2QMJeaEA+BCCcMhfcW5El"
    "WxR9D95VgWLLvpthNosz+CJ/a7Hxc+y38KTFouqqeJRqpNcpA9yI6FXNCdfYzl2Wb/NmK3"
    "8PnvtdrZ2WXt5Ozi6rx+eXl+dXJFZfn9xqsuV4RjU71Vu1o07FjBagqImSoGfyr2gfT74B"
    "/Ci93Hv3Zav6xfnV3UF7AvSlahPUc2NLXKO3v9yLS1cGBued5aMZUlZiqxY+WKnKhWCePn"
    "9CLLWFc0XGioeyHGT95RbjXC3egIN2yKKYYvOhuH5XH5iFIJPX7zHFxehCtwc4DrAisXBT"
    "eXr8DNAK4FR8CY5e4iBLXyUUCbRzo8Z826UBrW2WTGQXFHle+slMbYGwHfOLg3DoZoZH+F"
    "Mw6xSm8E2EbSYC5MvAScy2HiuixdRhkGrws6JOJWFAD62JBwCPp0kN1XW5qfLLMnVmwVIZ"
    "aNC4M7ztXC0EBTzoz7mBoYMqfRt5HD5bxSl9zxdWjIEM8VrrjBa230Oao0r72meRk0JnMt"
    "KQXymxmt7Zdk3TIvNcWO6Rm5xsIhlRIOh09PTrJwFycn6eQFq4ui/AIwgmSWB+WQSvlGwl"
    "sB2cFohGx9CPAkD9CCWgldupYJ7doKtGupaGM4yplaGFMsn3tvE3DD8WyCc3Ulcc0yOnkW"
    "xNPxjrNv+IWlo7B1luSVmzQWLqq3av3mADFfATJbjxFAfPaATVDSe69NZzcTYCVjGFYT8f"
    "P1jgP9kiGotNS7RufTaf3ojHuq+2whfxK9yDaMdQv0uVJGb4rtTWL8RDSxMNAtcncgf729"
    "lp5G322Ndvrf7U7zWrIG8hodRBbyLZ17izPIi/nrOsgvtXeHvcxeuS6BGM5DLrMN+sqt+q"
    "ApfaV9LS1b+W6rXV3rN7oPKjUOfcNQ7G0XUSu1lY76zRc3oYVefOm+8qvS0vw2/gsNwspa"
    "jW5L6XRYocGQsixW+nDfYU26U8t30P2vP0bphDzr+FHNaj2/0Ov53tRc08xRzcrMhTYzm+"
    "zpU29gISNu56bjWBDYyWYWNAU7D6jqtky7KNmtbZu9Xidi1qYq5Oh1H++aCu1OhSFLPMHM"
    "h03Py+YJaqUj9epZEsPr6Xnh9VhaOEfMHa/Vj4m6G+jJCjZXL1NHFl5RyboKEdapFoDF0A"
    "F4ueaWFdGIUrX5WNyIFV3IzAqqqFfhujJVgUd1HN/cqQqPLsTlzlQI938pmQqJ/rtTcIvp"
    "su9iKwZtBnz9znMD4OZIsjlQdCPvmdxJNkvIl9u6hJlPoHfztQ8tkHICRNpespL0FlHWZ4"
    "wsk2K+AahK5ZjRfUOM9fMPDPmgT2nLlkrmVNtMcOvDIR0ljDXnCdopeW6iyNGqdDfsC+uE"
    "Se84640fdeD3bxi+0Bv4cFpYlbq119StIZgga5Zz6B9R2u4UdZe0z2bmUzwscyfXR7VKx6"
    "FtPrWe9jeIGmENBi2qWa0EFJpAc/13ir6+uZNbqMxeaLPTccZai3xuxYsfhH1Dg8ecJo5q"
    "VlYuspWrpIy/hJmr0wir0wh3h/NWTiN0PcOg40QnYYVGg29phxWFlcoA9KpOSflNi/RHsZ"
    "MqFn1Sp9e9nYuLx1ckOHg+6iGkUq2Nr15xZFBVC44Zlm1CPhVZtGk1HlqNtrKvjdEC255A"
    "G8f5+HTWWFwF2B1nHN55Xu36LQ91bEPy6uCnPGOTkEqR9zQUhuQkb/mJ5LcSs8hZtg1cpG"
    "8buIhtG+Ar7T5CiRi/v1Mk2kKRvTp1lwid/2mPDzrFqHvL6vzNL7p/JCvbA6L0NfVG5XtA"
    "ICaIwsS0vqj391x8jKZTf/9IS1G/+a0bEL0E+1j2vod+YDnGk04tOUgaEK06ClbUXOtc0o"
    "IN8nd5LOxBb8diRxYzIHNG2b3Sbavd22sp0Kfx0+veqP07Hj+OPUR4wqLlpqHybVVDgKz1"
    "ImXzu6imYGY5wMx/eqCgV4bJ8Lbf7dTRxw7ODbWgViH9PtIVDZ0KfZlo6EXfuo6hBd1qXa"
    "nIlq6OVayOVSwId1jYYxXntG0CbRhidNP5QkaKbp8orCi8vVJ4cEInH3lGnwuF0nFLZ7Us"
    "Z0JRqRXEQ+zwlyG9sM5/5MA4olRkQmlNpLdy+lb6Jx7eZxcO4UMP8n2/135sKf1ryT/fEe"
    "LvdvPxP6xg4M3Yr8ZjW9V69Df/fLnDStp3apf+NifILgrB4LqvDl6HYRAUi2ysdQPjPEsK"
    "CZVKD4zzWBIJcnW26veSEB0rD9KI6O3wGI35G+BgT9Go2IZ1DHBwc9DqJKLSmjk2M86yZz"
    "d0CP1OdqIW1Oirt6LO1wX1XaNVTDLuPbDEfZ7rQ5WwwbQs/rVNEqUBMTLGcgKHEtQcraJQ"
    "wFKmMBzKX+Wrpx/86mY6ZfICsZvzRO2QSjVryTZrYUGVA+FAvITobuUkfnpFkrirIP17jS"
    "GV3X+ycT9j1XJ8fvzn/wEufONG"
)
