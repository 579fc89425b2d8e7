"""Every batch event that is an EPCIS event gets its GS1 EPCIS 2.0 form, frozen in the append-only
`epcis_events` (docs/standards.md, "Freezing"), and batches may name their product's GTIN.

The events made before are frozen here with the builder the use cases use
(`api/domain/epcis/freezing.py`), batch by batch in their order, parents before the sub-lots split
from them (a sub-lot's first EPCIS event links to its parent's split), from what the rows hold
now: a batch ships once, so its recipient and ship-from and ship-to locations are its shipment's;
a location or party GLN changed since is named as it is now. No GTIN is known for them. Batch
events are not touched: every chain keeps its hashes.
"""

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from tortoise import BaseDBAsyncClient

from api.domain.batches import Batch, BatchStatus, Origin, Unit
from api.domain.epcis.events import new_salt, to_epcis
from api.domain.epcis.freezing import epcis_input, has_form
from api.domain.events import BatchEvent
from api.domain.locations import Location, LocationKind
from api.domain.organisations import Organisation

RUN_IN_TRANSACTION = True

SCHEMA = """
        CREATE TABLE IF NOT EXISTS "epcis_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "seq" INT NOT NULL,
    "event_id" VARCHAR(128) NOT NULL UNIQUE,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "batch_id" UUID NOT NULL REFERENCES "batches" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_epcis_event_batch_i_33fb0c" UNIQUE ("batch_id", "seq")
);
COMMENT ON TABLE "epcis_events" IS 'A batch event''s GS1 EPCIS 2.0 form; append-only (the database refuses changes).';
        ALTER TABLE "batches" ADD "gtin" VARCHAR(14);
    -- Each row is the form of one batch event, carrying its own eventID.
    ALTER TABLE "epcis_events" ADD CONSTRAINT "fk_epcis_events_batch_event"
        FOREIGN KEY ("batch_id", "seq") REFERENCES "batch_events" ("batch_id", "seq")
        ON DELETE RESTRICT;
    ALTER TABLE "epcis_events" ADD CONSTRAINT "epcis_events_event_id_format"
        CHECK ("event_id" ~ '^ni:///sha-256;[0-9a-f]{64}[?]ver=CBV2[.]0$');
    ALTER TABLE "epcis_events" ADD CONSTRAINT "epcis_events_event_id_inside"
        CHECK ("event" ->> 'eventID' = "event_id");
    ALTER TABLE "batches" ADD CONSTRAINT "batches_gtin_format"
        CHECK ("gtin" IS NULL OR "gtin" ~ '^[0-9]{14}$');
"""

# The EPCIS forms, like the events they are of, are append-only.
APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION epcis_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'epcis_events is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    CREATE TRIGGER epcis_events_no_update_or_delete BEFORE UPDATE OR DELETE ON "epcis_events"
        FOR EACH ROW EXECUTE FUNCTION epcis_events_append_only();
    CREATE TRIGGER epcis_events_no_truncate BEFORE TRUNCATE ON "epcis_events"
        FOR EACH STATEMENT EXECUTE FUNCTION epcis_events_append_only();
"""

INSERT = (
    'INSERT INTO "epcis_events" (batch_id, seq, event_id, event, created_at) '
    "VALUES ($1, $2, $3, $4::jsonb, now())"
)


def _batch(row: Mapping[str, Any]) -> Batch:
    return Batch(
        id=row["id"], code=row["code"], owner_id=row["owner_id"], product=row["product"],
        variety=row["variety"],
        origin=Origin(row["origin_farm"], row["origin_country"], row["origin_region"]),
        harvest_date=row["harvest_date"], quantity=row["quantity"], unit=Unit(row["unit"]),
        status=BatchStatus(row["status"]), created_at=row["created_at"],
        updated_at=row["updated_at"], recipient_id=row["recipient_id"],
        parent_id=row["parent_id"], origin_location_id=row["origin_location_id"],
        ship_from_location_id=row["ship_from_id"], ship_to_location_id=row["ship_to_id"],
    )  # fmt: skip


def _organisation(row: Mapping[str, Any]) -> Organisation:
    return Organisation(
        row["id"], row["name"], row["country"], frozenset(), row["created_at"],
        row["updated_at"], gln=row["gln"],
    )  # fmt: skip


def _location(row: Mapping[str, Any]) -> Location:
    return Location(
        id=row["id"], organisation_id=row["organisation_id"], name=row["name"],
        kind=LocationKind(row["kind"]), country=row["country"], created_by=row["created_by"],
        created_at=row["created_at"], updated_at=row["updated_at"], gln=row["gln"],
        gln_extension=row["gln_extension"],
    )  # fmt: skip


def _event(row: Mapping[str, Any]) -> BatchEvent:
    data = row["data"]
    return BatchEvent(
        row["batch_id"], row["seq"], row["type"], row["at"], row["actor_role"],
        json.loads(data) if isinstance(data, str) else data, row["prev_hash"], row["hash"],
        bytes.fromhex(row["salt"]),
    )  # fmt: skip


def _parents_first(batches: dict[UUID, Batch]) -> list[Batch]:
    def depth(batch: Batch) -> int:
        found = 0
        while batch.parent_id is not None:
            batch, found = batches[batch.parent_id], found + 1
        return found

    return sorted(batches.values(), key=lambda b: (depth(b), b.created_at, b.id))


async def _freeze_existing(db: BaseDBAsyncClient) -> None:
    rows = await db.execute_query_dict('SELECT * FROM "batches"')
    batches = {row["id"]: _batch(row) for row in rows}
    organisations = {
        row["id"]: _organisation(row)
        for row in await db.execute_query_dict('SELECT * FROM "organisations"')
    }
    locations = {
        row["id"]: _location(row)
        for row in await db.execute_query_dict('SELECT * FROM "locations"')
    }
    # The eventID of each lot's latest EPCIS event so far.
    last: dict[UUID, str] = {}
    for batch in _parents_first(batches):
        events = await db.execute_query_dict(
            'SELECT * FROM "batch_events" WHERE batch_id = $1 ORDER BY seq', [batch.id]
        )
        frozen = []
        for event in map(_event, events):
            if not has_form(batch, event):
                continue
            # Its own latest, else (a sub-lot's first) its parent's split.
            previous = last.get(batch.id)
            if previous is None and batch.parent_id is not None:
                previous = last.get(batch.parent_id)
            given = epcis_input(batch, event, previous, organisations, locations, new_salt())
            form = to_epcis(given)
            last[batch.id] = str(form["eventID"])
            frozen.append([batch.id, event.seq, form["eventID"], json.dumps(form)])
        if frozen:
            await db.execute_many(INSERT, frozen)


async def upgrade(db: BaseDBAsyncClient) -> str:
    await db.execute_script(SCHEMA)
    await _freeze_existing(db)
    return APPEND_ONLY


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS epcis_events_no_truncate ON "epcis_events";
        DROP TRIGGER IF EXISTS epcis_events_no_update_or_delete ON "epcis_events";
        DROP FUNCTION IF EXISTS epcis_events_append_only();
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "batches_gtin_format";
        ALTER TABLE "batches" DROP COLUMN "gtin";
        DROP TABLE IF EXISTS "epcis_events";"""


MODELS_STATE = (
    "eJztXW1z4rYW/isevnQ7w2bCS16ae+fOAPGmbhPIELLtbbfjMUaAbozN+iUv0+5/v5KNwZ"
    "Zlr+XYxCj6slkkHRmecyQdPTo6/ruxsmbAcI56azgwIDDdsfXUuJD+bpjaCqD/UOubUkNb"
    "r3e1uMDVpoYvoK2hqvtN/XJt6ri2pruoaq4ZDkBFM+DoNly70DKxQM+ULHuhmdDRcNEPju"
    "S8OC5YSbpmGNBcSO4SSL1bRXqC7tLyXEmT1sB2LFP6MOp57lIKnibpNpihvxA95ccj/OiZ"
    "paNnox4qfYpnwq8eUF1rAVAXNnrWn3+hYmjOwDNw8Me/G3MIjJn//0b0S6hwhntAXWoumK"
    "maiz+hMiwPntc2cBzUygm73KjE9AwDA/6y9vFu+I0Rxv6Hb7jh+kH1nxhTZPAsv1wNZe/v"
    "lctPfksM11TVLcNbmbvW6xeEhblt7nlwdoRlcN0CmMDG3zuiWfzVNnYQFgXwoALX9sAWl9"
    "muYAbmmmdg+2j8e+6ZOgZG8p+E/+n+Z/PVIs1UdTiaqHfyRFUbCXPaoBPV/aZIR1AimCA2"
    "TATMt6DfHSB+aQM/YPBzb/yhc/qjD4HluAvbr/ThanzzBTVXU3da3aHs/03gPFhqNh3nsD"
    "2BNPqiRTAOC3Yg78ZcCF8IUAWQNlbas2oAc+Eu0cfW8XEGxp97Yx9m1MrH2UKTRDCBDDdV"
    "7aAO473D19Et3EsC4V/uRkM6wjsJAuMZ1F3pH8mAjlsV1hGLnnrQcKHpHOHnvYVRY4Rwzy"
    "vH+WpEcf5w0/udVMHgetQnrR930CfUoaGZUV2hic+izC7pVk+IcWj8nXYO2++0U00fV8Wh"
    "XntTA+rqA3hhsf641KtGwGa+rgve+zZ1jIxqwBV0VeQYqCtoei5lqldMl66JVHlCKej3HZ"
    "4y0NdFfz62W92z7nnntHuOmvjfc1tylqEvZTghwA5doinF2NOdlrhUmc5LfW39u75KEtTA"
    "z4yDeolqXLgC2cAGkuQsshE9Cv/DF8AT5Ua+m/RubmMzymVvIuOatl/6QpR+OCVmmW0n0m"
    "/K5GcJf5T+GA1lUmvbdpM/Gvg7oYXSUk3rSdVmUUzC4rAopmZvPSuo5rikUHOt1WyDR+uh"
    "kJrjkiWouWaLEU9aptAFeVdDiqhYEtGSiBmS+QN19x6FLAn1J8sGcGH+Cl58wBX0fTRTp/"
    "lwG9JsFOluw5sdJsq70t1ot7WnLctEszX0HwQCcH1AxmggjJXBJOCnppr+8KTZMzVFDQ5A"
    "DodL2eX3N4Kffh0DY6slOvgBXXnnd8UX+D6GVtuKYBdDNVm1aq/IEs3UFv5Pws/GTwqJXm"
    "8G3WtrkcYDR6qbmTQwbqga1iIfC5wOCiO/WgqJimfgaJ+6a9kbs0b9l9izq9noZ1XStaaH"
    "46PcfilD/ZUPEJT1m1LW7A6k2B8cgOcYnbTyDqGozCsG0uHsBxjYk9p44lyiG5yuMuIaEx"
    "KIUhFlPZAkxAodzdQMzz0cS+6crdxHYHrK9oWH06/Tbg6IT7upCOOqOMAbR9kHiQFlQow/"
    "ay7/nDG2JWHEmToTc4By+fYM1yzwBq35w7V7kgPX7kkqrrgqjqvnAFvVECaUTU06vnEp/n"
    "A+aeWZJlCrVKT9OuJAHKBf6rDOFHEpDte+Vvs8j3/RPk/3L3Ad1ZkrBjlVmD8jrwT4FXA1"
    "zJwk8U6PuYnK1CPmDD/2oGPOEmc26ccIVZLjfc3Vl/Jjeph0vEEziyCf4qYqeGQIlJZ8mR"
    "8caak5y4/6EqkAzKQlMibLfvmXhJ4FzNlHyzRepA84nBkb4VRzgGSDOVriHAmJmAtADY8u"
    "t28Kaf/n5hcH048Dvjb+Inh8Jh64DxepoVbUGY4SV7WZzl5HAVcfVfVTu93pnLWPO6fnJ9"
    "2zs5Pz4214VbIqK86qr1zhUKvYsAtjr9L5YayqBPyp2G9aFwpqq93CXnJUG/Pu9TXb1tqB"
    "WfG+VRxjcHyMYVsG08iJS3E4flqneXxdUnERV/eUQmGK8yJxXnQg6LLuycR+LMSnlP1Y7G"
    "KKDR5VvGtgmaBjQhzOz+UzxqwIC3AZwHU0g4kwDtsLcHOAa4CFpr8wTxGEGH+EZflIRxmW"
    "vM5GVEbEh2fHh/tYJcFlDgz3aUK+gpKbRER41KyYQ8Er53Cz6Nt8zC3Yc1yzDXS4joQ7lZ"
    "o0ggzxfUImuefnoCHjeg7xxBKfJZJs8BOxrKMxyeJJhO3L8dbe9kigYhb1jS9e18xfK4er"
    "WNvWzNOZ9hcREQ63GJWEYD5qNgQuxWzTUY6I8Le7qARky4YLaKpzzV6xAE2IcWjS7Vxotz"
    "PQbqeibYMFY3BxQpA/864ScN3yTNdmmkqSkjwaeR7E0/FOMpr2Iw5IwyetSazx2W0asxmX"
    "yzrBPUDMM0DGJ7IEiF89zXQhbd27RDvGlWbQMYyKkfgFckcbec4QlAfKTe/6Q6vb7PiW6n"
    "w1YEBMbOONE9MC+l0p3ptseqsE5xMPLd7I1nk6aPx6dSE9LL6YEzTpfzGv+xeSMW0UmCDy"
    "EJrpfGaSld9yAkWQ30nvD/sGXnIdF9ggHHK5dTCWr5S7iTyWLy+kXS9fTGWoTsa94Z2ClI"
    "NWGIS96UCkpUv5WvkcNJ8BAz4GrcfyL/JgEvTxP6C7uGzQGw7k62tcqGOkDAOX3t1e4y6d"
    "tREY6NtHIIj8VEVmtIOL6BH5qd6FmvFmTw3STyb13LcsA2gmXc2EJKHnKRKtSrXbkv3qtj"
    "8aXcfU2leIKN3h/U1fRtMp4bIkQ0w3+T5ZGVJCjDuitJvnakg3/WZIN3ExxEfMWRaax0hZ"
    "kYKtzhPZwoVM5EvYnj/OpZXHv2+lO/ithIe/oU0MSy8WJ0mTFscPBMaRU9bcyEZkRFAIOf"
    "VrNnuukpiQMFHyKnE8uCEvqKScwJUgUJZwrc5ta8WIKykncKXgilyGAqhupQSm2alY8QqU"
    "RFfkYE3PwRpZs1Mi7qhz7puAXE8T/i7G5IKTA2fCSS0B7etNV1wjTfftc+C9XbsE0vmQJh"
    "f7vBi7lkCYAeHtwp8D32CzUAK8DIHmB4ptbF/1ipzju0QcBFPNkHI8kf2DE08jfkq3hMYM"
    "YV4CVFwZZgwksNaho5ZhUzLuiXeb8g+1g4yYr4RrsuuJM7yqvBNDviuBcjWG8jqF9Bsym4"
    "xjkfc47O+iTCwpcEl3ScR9jze97xHYEfMFUkKMu0PN8u+PigicIpZ9cCea4tVh70HLb5pS"
    "/4CGb3GOOgCrhG16bw0D/4ovn7VJ7NVjxlWrS+HxXRbF/U1sw9KdX3Lvlzuxp+TL/OBIV3"
    "ctSb4dKHdS++hYmlv2qpTknmX2LxJ8igSfIsEnGX3pDzDG7NxRGe62KJXk5PYRS0Kcnvxt"
    "K7D/7G9v49JUkudNbA6LqOLgtg0ih5TIIVWT/UJtc0gp5iN0t+fWlO1CvEHmdgFum+6ZKK"
    "dkmRV0OQ90OVhp0GByQUOBOl9SLuiBdtp58kSgVhlJkhIXwtPTkX//WvIhJCVvjH4byuML"
    "yQ8p/GLe9Ia9K/w5mBBRyWdF/g0XPELwFIRpvv31Ydd6ACbzIVFcirsNWAVvrsPrFXOGsL"
    "iU8BHF3uo97q2QQwVRdwXUHJcUaq61mjVdB+tiw5kQFSesB6FntrWQEBMXgcjLgCI6gf+x"
    "U5vX4xzQQviK23QRyErgHt/RpbqkrdWKiYzen6HwkMT1mnQWMrxnVSsOsikStR82E+n/Te"
    "CcTsaE7evMjRUkYirJV/uAfhoLvmF7DvEtn09EzwKA7a1QWwn+cv9UYr86NXFtxosc6Blr"
    "OYC3kmzt7InDec4YXgnEeEHUDPZ8e3Ex/sDOdeqWceiWPHMrkJRdZGNnyMaOb1a6Hs2MMx"
    "OJR8VenUi8ZiadAXCYR/yn5mnuNOKGZS4KQRyVExhnYrxG4LDNxKEAf3Nw+W+HWhhsmTAN"
    "Xl2JTh5PopPuSHQoyKrg2QWmw+ixJQT5Q7t8X0Kz9SV8LHZAFxcVhwx1PmR447fZ1c1/FL"
    "EqYuzkHjviNQ3vQs3iHLbSyVLkihYn24d+sl1JZsJ3kfixrOSEm2So1jwJvEi6F8tKukZ+"
    "Bz35qwAqARQtg6uAqeRMl1xOdJVmI7wBqymwsZGmRDXFGzSz4ppW26YVRDZR45c8J8jCTi"
    "Y/icU9hY2a4s7lBReRTuJGYA1vBAqmqsgoODgKQzBV70LNgqmqlKmKuCR5YY2ICDgFTVUj"
    "mgpbZgkw36Nu+IY3MoRrda+FNHDKLpAyBtL3gVEzqv6Oi9iMiWsndYmdqSJsf/+huDXjxS"
    "qNxBUxjJzGMNYoL1D5EYxr25p5OqC9v8eyDKCZKbYbESNAniK5qibgbcl+F7X+aHQd22/3"
    "FSJd8/D+pi8j6ImI52Su4an3wop1KCJwZsBZkIhFFHBw7JIgEblVc4KWyRNyEbyr4pVvo+"
    "P0vR7xdQgHAVCX/WoiCQ4SJBvowL81sG+0aubc5wKLyIhcHKdEFmYeTSuWuWVfYSoHiRQR"
    "C1Icq0T8CS9oVcnojsEcrePLCc63m8Lokk2aWYyuHTRW/QS+e05bFGHNIznnRPjOwTLGc2"
    "0FjRfG48+YULUHoPskiso5ThbZuCmsW/nZuEVG4SJ2fBDb1ljEdrCmqMXVTe9BqL3Wakd+"
    "RiFGyhH30w9CvyLV8XvQsjhBeBdqhmsWTzdozd+Bffckh4vbPUl1cXEVJTBVW1CvnabjG5"
    "fiD+eTVp7ICNQqFWm/jkh56uk68hMtSuzkBDynvRA4KsQD0FmTkvz7JDYfJV6sup2TrkfD"
    "q7A5+bbVOOq1CWw/HD2IuPaaxLWLQOvQeAoGWg96d4PepfxWcdYTWzMdTc8IsyZaNLM4eX"
    "fXds+MfPRVseINAvwQ8yZwnyz7gcXzi4hwGNBdPoXsPrPT9M8cc/R5riGfpl9DPk1cQwaP"
    "OAmMjxAV4+/fEI/3UGerbozlK+VuIo/lywsJZ5N3XGCD2RcT7a4n93cqwmh4hevQL3U9R9"
    "WXmrnA9QN5PFE+KbhKB7YLEUxY6mfl9tZvHqQs+WKO5YGsfA56D2JqGgWUXH5Y+dSw9AcV"
    "aXJKc4j6cKGYKfsnUpJQLwx2sIfluqOvi/58/Knd7nTO2sed0/OT7tnZyfnxOWrrf+Fk1V"
    "lWPK9yhSNzY9pIhuoGNlV0kO2k9zfAGmtgzjCQjKPsVh5eKsOrC2kjj8bPaPhJGd/448cy"
    "59Be4dHyqadc46K5Bo1iI6X8rAxr7cWwtBnzokPK8UA1VL22v3EC3JqhXQ6hIOiaKtFFU/"
    "PSspknB0JMzA355wZxLMX1sdTWGyiiaEJWnDPXWdNRDizvihSVEVx3NtftY1UC2c3hZZcm"
    "wXZHzapWeUXCgwYK0R05g0hnuDGNL/KHcE46gxXaLrN4n1sB7tjQTq6X73Qy3r7TSb5+Z4"
    "4erLImaYkJ1ZkCLYh0JZlauE9LejseXd4PcOLRTSIJ+4vZv/8vLph6L/hT7/5SmYzQZ82b"
    "QdfCJZc3yhB9nq2gWRdKzHGeLLsIJ0YI1llZRQfGSZ6QMtQqfWCcJILKoKPic+pHyujITK"
    "ERk9tjHo1wBRBpNATbUOc9qEijwa2aC6XREHeu2dJEkHeaiwNGuUzNC2RVEgQ9YEN92aDw"
    "A5uaZhY9oO3a1IYfSA08oNIDlHCDje9R3x1rEGzQbnXPuued0+42xmBbkhVaELoq6XTAI5"
    "p3qGmb0/3yiIjwyPN55HhQMSC8ac4huq1cREArgwho0VK2mi71Bs0vd6Nh6uGPS78+M4O6"
    "K/0jGdDJE5pUN7QzwMVgxFywxPUO8iYH4VvhDvq0U4R9st3f/g+GjcWn"
)
