"""Webhooks (docs/API.md, "Webhooks"): organisations' endpoints, the outbox the custody, lineage
and transaction use cases write in their own transactions, and one delivery row per event and
endpoint, which the worker claims (`FOR UPDATE SKIP LOCKED` and a lease) and sends. The outbox is
append-only, like the history it reports."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

# Deliveries due, and a lot's earlier deliveries to one endpoint: the claim's two look-ups.
EXTRA = """
    CREATE INDEX "webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at", "id")
        WHERE "state" = 'pending';
    CREATE INDEX "webhook_deliveries_lot_order" ON "webhook_deliveries"
        ("subscription_id", "batch_id", "id") WHERE "state" = 'pending';
    ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_state"
        CHECK ("state" IN ('pending', 'delivered', 'failed'));
    ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_state"
        CHECK ("state" IN ('active', 'paused', 'disabled'));
    ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "webhook_subscriptions_secret_format"
        CHECK ("secret" LIKE 'whsec\\_%' AND ("previous_secret" IS NULL
               OR "previous_secret" LIKE 'whsec\\_%'));
    ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_body_is_json"
        CHECK ("body"::jsonb IS NOT NULL);
    CREATE OR REPLACE FUNCTION webhook_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'webhook_events is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    CREATE TRIGGER webhook_events_no_update_or_delete BEFORE UPDATE OR DELETE ON "webhook_events"
        FOR EACH ROW EXECUTE FUNCTION webhook_events_append_only();
    CREATE TRIGGER webhook_events_no_truncate BEFORE TRUNCATE ON "webhook_events"
        FOR EACH STATEMENT EXECUTE FUNCTION webhook_events_append_only();
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhook_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "message_id" VARCHAR(64) NOT NULL UNIQUE,
    "type" VARCHAR(32) NOT NULL,
    "organisations" UUID[] NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "batch_id" UUID NOT NULL REFERENCES "batches" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_webhook_eve_created_6154d8" ON "webhook_events" ("created_at");
COMMENT ON TABLE "webhook_events" IS 'The outbox: a change partners may hear of, written in the change''s own transaction; append-only (the database refuses changes).';
        CREATE TABLE IF NOT EXISTS "webhook_subscriptions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "url" VARCHAR(2000) NOT NULL,
    "event_types" JSONB NOT NULL,
    "description" VARCHAR(200),
    "state" VARCHAR(16) NOT NULL,
    "disabled_reason" VARCHAR(200),
    "secret" VARCHAR(64) NOT NULL,
    "previous_secret" VARCHAR(64),
    "previous_secret_expires_at" TIMESTAMPTZ,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_webhook_sub_organis_abdbe2" ON "webhook_subscriptions" ("organisation_id", "created_at");
COMMENT ON TABLE "webhook_subscriptions" IS 'An organisation''s endpoint for webhooks (docs/API.md, \"Webhooks\").';
        CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "batch_id" UUID NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ NOT NULL,
    "claimed_until" TIMESTAMPTZ,
    "first_failed_at" TIMESTAMPTZ,
    "last_attempt_at" TIMESTAMPTZ,
    "last_status" INT,
    "last_error" VARCHAR(200),
    "delivered_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "event_id" BIGINT NOT NULL REFERENCES "webhook_events" ("id") ON DELETE RESTRICT,
    "subscription_id" UUID NOT NULL REFERENCES "webhook_subscriptions" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_webhook_del_subscri_55f90e" ON "webhook_deliveries" ("subscription_id", "id");
COMMENT ON TABLE "webhook_deliveries" IS 'One event for one subscription: pending until its endpoint acknowledges it.';""" + EXTRA


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webhook_deliveries";
        DROP TABLE IF EXISTS "webhook_subscriptions";
        DROP TABLE IF EXISTS "webhook_events";
        DROP FUNCTION IF EXISTS webhook_events_append_only();"""


MODELS_STATE = (
    "eJztXW1z4jgS/isuvsxsFZNLgLxs9uqqIGGy7CaQImR2bzdbLmME6GJsxi9JqN357yf5BW"
    "xZ9liOTWxFXyaDrZbh6ZbUerrV/ruxMmZAsw66a3ihQaDbY+O5cS793dCVFUD/od5vSg1l"
    "vd7dxRdsZaq5Asoayqrb1L2uTC3bVFQb3ZormgXQpRmwVBOubWjoWKCrS4a5UHRoKfjSB0"
    "uyNpYNVpKqaBrUF5K9BFL3diA9Q3tpOLakSGtgWoYufRx1HXspeU+TVBPM0F+InvLDAX70"
    "zFDRs1EPpT7F0eFXB8i2sQCoCxM968+/0GWoz8ALsPDHvxtzCLSZ+/9G+EvIcIZ7QF0qNp"
    "jJio0/oWtYHrysTWBZqJUVdOmrRHc0DQO+Wbt4N9zGCGP3wzfccP0ou0+MKNJ7lntdDmTv"
    "7weXn92WGK6prBqas9J3rdcbhIW+be44cHaAZfC9BdCBib93SLP4q/l2EFzy4EEXbNMBW1"
    "xmuwszMFccDdtH499zR1cxMJL7JPxP5z/+Vws1k+XhaCLf9Sey3IiZk49OWPf+JRVBiWCC"
    "2DARMN+8fneAuFcb+AEXP3fHH9snP7gQGJa9MN2bLlyNb66gYivyTqs7lN2/MZwvlopJxz"
    "loTyCNvmgejIMLO5B3Yy6ALwCoBEgbK+VF1oC+sJfo49HhYQrGX7pjF2bUysXZQJOEN4EM"
    "/Vst7x7Ge4evpRq4lxjCv9yNhnSEdxIExjOo2tI/kgYtuyysQxY9daBmQ906wM97C6PGCO"
    "GeV5b1VQvj/PGm+zupgovrUY+0ftxBj1CHgmZGeYUmPoMyuyRbPSHGofG3Wxlsv91KNH18"
    "Kwr12plqUJUfwYbF+qNSrxoB/nxdFbz3beoYGVmDK2jLyDGQV1B3bMpUP9BtuiYS5QmloN"
    "9XP2Wgr4v+fGoddU47Z+2Tzhlq4n7P7ZXTFH0NhhMC7MAlmlKMPdlpiUoV6bxU19a/66vE"
    "QfX8zCiol+iODVcgHVhPkpxFfNGD4D98ATwZ3PTvJt2b28iMctmd9PGdlnt1Q1z9eELMMt"
    "tOpN8Gk58l/FH6YzTsk1rbtpv80cDfCS2Uhqwbz7IyC2MSXA4uRdTsrGc51RyVFGqutJpN"
    "8GQ85lJzVLIANVdsMeJJyxS6IOtqSBEVSyJaEjFDMn+k7t7DkMWh/myYAC70X8HGBXyAvo"
    "+iqzQfzifNRqHufN6snijvru5Gu6k8b1kmmq2h/yAQgO0CMkYDYTy4mHj81FRRH58VcyYn"
    "qMECyOGwKbv8ni/4+dcx0LZaooPv0ZV3bld8ge9iaLSMEHYRVOO3Vq0VeUXRlYX7k/Cz8Z"
    "MCoteZQfvaWCTxwKHbzVQaGDeUNWORjQVOBoWRXy2ERMUzcLhP1TZM36xR/wX2bCsm+lml"
    "dK2owfgotl/KUH/lAwRl/aaUNbsDKfYHNfAcw5NW1iEUlnnFQKrPfoCBPamMJ84lul50lR"
    "HXiJBAlIooa0CSEMsVmqkYnnsIS+6crcwhMDVh+8JD9OukkwHik04iwvhWFGDfUXZBYkCZ"
    "EOPPmouPM0a2JIw4U2diDlAu3p7hmgVerzV/uHaOM+DaOU7EFd+K4upYwJQVhAllU5OMb1"
    "SKP5yPj7JME6hVItLuPSIgDtAvtVhniqgUh2vfUessi3/ROkv2L/A9qjOXD3KqMH9GXgrw"
    "K2ArmDmJ452ccxOWqUbOGX5srXPOYjGb5DBCmeR4T7HVZf8pOU062qCZRpBPcVMZPDEkSk"
    "uuzAdLWirW8pO6RCoAM2mJjMkwNz9J6FlAn30ydG0jfcTpzNgIp4oFJBPM0RJnSUhEXwBq"
    "enSxfVNI+z/9X+xNPxb42viL4PGZeOAeXCSmWlFnOEpelT+dvY4CLj+r6sdWq90+bR22T8"
    "6OO6enx2eH2/Sq+K20PKve4AqnWkWGXZB7lcwPY1XF4E/E3m+dK6mtcgt7wVltzLvX12xb"
    "KwdmyftWEcbgOIxhGhrTyIlKcTh+jk6y+Lqk4kKu7gmFwhTxIhEvqgm6rHsysR8L8ClkPx"
    "Y5mGKCJxnvGlgm6IgQh/Nz8YwxK8ICXAZwLUVjIoyD9gLcDOBqYKGoG+YpghDjj7AsHukw"
    "w5LV2QjLiPzw9PxwF6s4uMyJ4S5NyFdScpPICA+bFXMqeOkcbhp9m425BXvOazaBCtehdK"
    "dCi0aQKb7PyCT3/Bw0ZGzHIp5Y4LNEkQ1+MpZVNCZZPImgfTHe2tuGBEpmUd/44HXF/LVi"
    "uIq1acwclWl/ERLhcItRSgrmk2JCYFPMNhnlkAh/u4tSQDZMuIC6PFfMFQvQhBiHJt3KhH"
    "YrBe1WItomWDAmF8cE+TPvMgFXDUe3TaapJC7Jo5FnQTwZ7zijaT7hhDQcaY1jjWO3Scxm"
    "VC4tgltDzFNAxhFZAsSvjqLbkLbuXaId40rR6BiGxUj8PLkDX54zBPsXg5vu9cejTrPtWq"
    "r1VYMeMbHNN45NC+h3JXhvfd1ZxTifaGqxL1vl6aDx69W59Lh40Cdo0n/Qr3vnkjZt5Jgg"
    "shCayXxmnJXfcgJ5kN9J7w/7Bl5yLRuYIBhymXUw7l8N7ib9cf/yXNr18qAPhvJk3B3eDZ"
    "By0AqDsNctiLR02b8efPGaz4AGn7zW4/4v/YuJ18f/gGrjaxfd4UX/+hpfVDFSmoav3t1e"
    "4y6tteYZ6NtnIIj6VHlmtNpl9Ij6VO9CzXizJ3vlJ+N67hmGBhSdrmZCktDzFImWpdrtlf"
    "3qtjcaXUfU2hsQWbrD+5teH02nhMsSTzH1632yMqSEGHdEaSfL0ZBO8smQTuxgiIuYtcw1"
    "j5GyogRblSeyhQ2ZyJegPX+cy1EW//4o2cE/inn4Pm2iGWq+PEmatAg/EBiHoqyZkQ3JiK"
    "QQcupXTPZaJREhYaLkUeJockNWUEk5gStBoCzhWp6bxooRV1JO4ErBFbkMOVDdSglM00ux"
    "4hUojq6owZpcgzW0Zidk3FHn3DcBuZom/F2MyQUnA86Ek1oA2td+V1wjTfftM+C9XbsE0t"
    "mQJhf7rBjbhkCYAeHtwp8BX2+zUAC8DInmNcU2sq96Rc3xXSEOgqlmKDkeq/7BiacRjdIt"
    "oTZDmBcAFVeGGQEJrFVoyUXYVB/3xLtNuUFtryLmK+Ga7HriGK9nMF0axmMhBvab1xePJl"
    "bmMSLy9RKU00SUN1AkHyryi7SFXn2xv7NFkTrKBR2/EUdk3vSIjGdHzGduCTHu4sDFH7kV"
    "SUt5LLt2QWDxtrX3oOU3fQtBjYZvflrfA6sAZqO7hp5/xZfP2iTojYhxVeocfXRjSnF/Yz"
    "vXZOeX3C5nroUquTIfLOnq7kjq314M7qTWwaE0N8xVIfVQi+xf1EQVNVFFTVQyYdUdYIwF"
    "zcMy3G1RSilj7iIWhzi5Xt5WYP8F897GpSmlNJ7YHOZRRe22DaLslii7VZH9QmXLbg30J2"
    "hvQ/2U7UK0Qep2AW6b7pkopxTmFXQ5D3Q5WClQY3JBA4Eqn+vO6YG2W1lKa6BWKXWlYmfo"
    "kyu4f/8kdx3quDdGvw3743PJzcJ80G+6w+4V/uxNiOjKl0H/N3zhCYJnL7P17U9c28Yj0J"
    "mDRFEp7jZgJbzsD69XzEXVolLCRxR7q/e4t0IOFUTd5VBzVFKoudJqVlQVrPMNZ0JURFhr"
    "oWe2tZAQE2enyPOTIjuB/7FTmTcK1WghfMUBxBBkBXCP7+gcYtzWKsVEho8cUXhI4kRSMg"
    "sZHE2rFAfZFLXt681Eun9jOCeTMUH7KnNjOYmYUkr8PqKfxoJv0J5DfIvnE9GzAGB7kdZW"
    "gr9ySaXYr0qt9Zvy7gt6kV8O4C2lwD17rXWei6yXAjFeEBWNvURhVIw/sDNF3VKCbvGYW4"
    "469qKAPUMBe3y00nZoZpxaez0s9ura6xUz6RSAg9LrPzZPMlde1wx9kQvisJzAOBXjNQKH"
    "bSYOBPibg4t/odZCYyseqvHqSrSzeBLtZEeiTUFWBi820C1Gjy0myB/axfsSiqku4VO+AF"
    "1UVAQZqhxkeOMXAFbNfxS5KmLsZB474s0W70LNIg5b6mQpymuLyHbdI9ulFHN8F7Uyi6rn"
    "6NePNeZx4EWdwkgh1zXyO+j1cgVQMaBoRW8FTAUXB+Vyoiu1GuENWE2BiY00Iasp2qCZlt"
    "e02jYtIbOJmr/kWF7herL4SSTvKWjUFGcuz7nIdBInAit4IlAwVXlGQe0oDMFUvQs1C6aq"
    "VKYq5JJkhTUkIuAUNFWFaCpsmQXAfI+64Rve0BCu1LkW0sApu0DKGEjeB4bNqPwzLmIzJo"
    "6dVCV3poy0/f2n4laMFys1E1fkMHKaw1ihukDFZzCuTWPmqID2Ah/D0ICiJ9huSIwAeYrk"
    "ypqAt1f2u6j1RqPryH67NyDKNQ/vb3p9BD2R8RyvNTx1NqxYByICZwacBYmYRwG1Y5cEic"
    "itmmO0TJaUC+9dFa98HR2n7/WIrkM4CYC67JeTSVBLkEygAvfUwL7RqphznwksoiJyfpxi"
    "VZh5NK1I5ZZ9panUEikiFyQ/VrH8Ex7R8l/LWswLWe+c6fabcoZZmSz4GMyR77Oc4BrFCS"
    "w42aSZxoKbXmPZLXq851JPoUhDqE6fSHmqLcs+V1ZQ2zCGjCNC5QaN90muFROCFxXMKUxl"
    "8RXMRRXmPHZci61+JMvdW1Pk/Oqm9yDUXmm1Iz8jF4tniTP9tdCvKA/9HrQsoi7vQs1wze"
    "Lpeq35S3LoHGdwcTvHiS4uvkVJ5lUW1KO6yfhGpfjD+fgoSzYJapWItHuPKBPrqCryEw1K"
    "vukEvCS9RDksxAPQaZNS//dJZD6KvYx2Oyddj4ZXQXPyDbVR1CtzGKA+ehBnASpyFkAkpw"
    "fGkzM5/aJ7d9G97L9VbvrEVHRLUVNS04kWzTRO3t613TMjH369rnjrAj/EvA7sZ8N8ZPH8"
    "QiIcJsEXTyHbL+w0/QvHHH2Wo9snyUe3T2JHt8ETLpzjIkTF+Pun6qM9VNmqG+P+1eBu0h"
    "/3L88lXIHfsoEJZg862l1P7u9khNHwCt9Dv9R2LFldKvoC37/ojyeDzwN8SwWmDRFMWOrn"
    "we2t29wr8/Kgj/sX/cEXr3cvD6mRQ8nFp+JPNUN9lJEmpzSHqAcXAz1h/0RKEuqF3g62Xq"
    "47+rroz6cfW612+7R12D45O+6cnh6fHZ6htu4Xjt86TcuBHlzhbOaINuLpzZ5N5R1kO+n9"
    "DbDGGugzDCTjKLvtDy8Hw6tzyZdH42c0/DwY37jjx9Dn0Fzh0fK5O7jGl+YK1PKNlOIrWa"
    "yVjWYoM+ZFh5TjgWooe21/46LBFUO7GEJB0DVlooum5qVhMk8OhJiYG7LPDSIsxXVYausN"
    "5FE0ISvizFXWdJgDy7oihWUE153OdbtYFUB2c3hAqEmw3WGzqlQtliDQQCG6QzGIZIYb0/"
    "ii5grnpDNYoe0yi/e5FeCODW1nemFRO+WNRe34K4vm6MEya2GbiFCVKdCcSJdS3Yb7Uq63"
    "49Hl/QUu1uoX3zAf9N79f/GFqbPBn7r3l4PJCH1WnBm0DXzl8mYwRJ9nK6hXhRKzrGfDzM"
    "OJEYJVVlbegXGcJaUMtUoeGMexpDJoyThO/UQZHallRyJye6w9EqwAovSIYBuqvAcVpUe4"
    "VXOu0iPinDpbaQ3yTHN+wCiHqXmBrEyCwD/kfwk0tMibmwSugNKqmUYb+AUIMBGCBSDIxi"
    "E0RjqQ3OQPaW6YkoE+WaHqA9vwr+ToNtQkaFsSurA2EFYSQgONXg3MFsBCdw5IT7fovhkT"
    "9sLP8omifWbqpSVkUGkTShqG75NVdye/xySMZDJFsNIFR0hxngoTc7IV4HBzWPxeXLFtsF"
    "rTqqUlThhhkVzZW7kwPix32mgddU47Z+2Tzna22F5JmyTiOz8dzdGyD1GOfQFFXGwOKrc5"
    "iGz1NQXimLHrODDv9klhEXOusq7n0LRs2UsvzDG4KeJC31XWt6ZYr5nMKeJC35XXd1Jeda"
    "JDREhxlNFemFfkQgRMk3bWOtmVj0rxl+VYShDUJ11yLVCkrJitqjxbiSDTu1CzdxyOldYL"
    "S+1vl84JvxeuERIjbrPSehRRwe6l55y6RhvHmDnn1A9Y9J+4K+DfJFJPw8M8w9sVwzZZHM"
    "781ogm4aaM6SrVtyDtPjmWFx4a3w/kuVaWMYg3WQLJcOyp8XIuKZJ34llaK6aNDMKSVspG"
    "WgLFlIx5U3o2Idoc6xLUJRtJeW0/WPhV5VKouMZPsWBeCc940BEMQJ99MnRtkzHEJ2JwlY"
    "zBrYBlofFBXa6TN5tRKe5Sm0uopJFY4oEOcB0KOuTOGy+6wELsrbdRlLumqWy+f+qWxkdp"
    "0Kqj+58CMPYr//yLrFBhzCinwJPr+gXtubDOtO1vGTX96sVEVOT1ArUjIkRuizhxWZF92K"
    "tOXMa4cvja17rREyQ5wX4fCagkg5C8caVwDd/fv4a37Rm3sV1dCntSH0L5oDiBNHjHlvQR"
    "A/uv7u3gYDVrSg8N/2taD40f4kmoRXXKmH1KKcQSWnf3loUqju4WfXTXMZkO7vrNuXBxY5"
    "HUjKHU1FhqLJi6K0VIWSF+uRsN04IvWzHSrYWqLf0j8bcRw4Ck7y3IbQRh8rgDcm8R/poM"
    "tk6IieSBTMkDItu61GzrGVqEpzj5D62+FqM9x0WFTWezaYCcHaa3aewkOLTq4olg5Do+Qc"
    "OxZHakKaL8WXXpiL/iRXnpPYn8ryrzcW9c7rRq01wx583qRWVXBeDajR1RueFdqLky1Ytr"
    "pOT8AYwwZAXEMUah7vii1JtEOINiayKqUeOoRhehry4blCiGf6eZFrVQdm0qU3bzvaSuvf"
    "LEUzJVj0aQxUhhhkQ45CFKKXSHBxUDwn5zDtE9ysSkHaUwaUdxJg090aYm6CdHQkIiIgrC"
    "GAWJeVr7TCr/9n/9601r"
)
