"""EPCIS capture (docs/standards.md, "Capture"): trading partners' systems send EPCIS events about
lots they hold. Each capture is a job in the append-only `epcis_captures`; each event captured is
stored in `epcis_events` naming its capture, as the EPCIS form of the batch event it drove
(shipping, receiving) or, an observation that drove none, without a `seq`. The (batch_id, seq)
foreign key still holds every form that has one; a row without is a captured one.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "epcis_captures" (
    "id" UUID NOT NULL PRIMARY KEY,
    "captured_by" UUID NOT NULL,
    "by_client" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "running" BOOL NOT NULL,
    "success" BOOL NOT NULL,
    "errors" JSONB NOT NULL,
    "event_ids" JSONB NOT NULL,
    "event_count" INT NOT NULL,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT
);
COMMENT ON TABLE "epcis_captures" IS 'An EPCIS capture job (GS1''s REST binding); append-only. Captures run within the request, all or nothing: a stored job is finished and succeeded.';
        ALTER TABLE "epcis_events" ADD "capture_id" UUID;
        ALTER TABLE "epcis_events" ALTER COLUMN "seq" DROP NOT NULL;
        ALTER TABLE "epcis_events" ADD CONSTRAINT "fk_epcis_ev_epcis_ca_178d7a10" FOREIGN KEY ("capture_id") REFERENCES "epcis_captures" ("id") ON DELETE RESTRICT;
    -- Only a captured event may be the form of no batch event (an observation).
    ALTER TABLE "epcis_events" ADD CONSTRAINT "epcis_events_seq_or_captured"
        CHECK ("seq" IS NOT NULL OR "capture_id" IS NOT NULL);
    ALTER TABLE "epcis_captures" ADD CONSTRAINT "epcis_captures_count"
        CHECK ("event_count" = jsonb_array_length("event_ids") AND "event_count" > 0);
    -- Which of a lot's events were captured (the public view leaves them out).
    CREATE INDEX IF NOT EXISTS "idx_epcis_events_capture" ON "epcis_events" ("capture_id")
        WHERE "capture_id" IS NOT NULL;
    -- A capture job, like the events it stored, is history.
    CREATE OR REPLACE FUNCTION epcis_captures_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'epcis_captures is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
    CREATE TRIGGER epcis_captures_no_update_or_delete BEFORE UPDATE OR DELETE ON "epcis_captures"
        FOR EACH ROW EXECUTE FUNCTION epcis_captures_append_only();
    CREATE TRIGGER epcis_captures_no_truncate BEFORE TRUNCATE ON "epcis_captures"
        FOR EACH STATEMENT EXECUTE FUNCTION epcis_captures_append_only();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # Captured events are history, kept like every other: a database that holds some cannot
    # go back to before they could be.
    _, rows = await db.execute_query('SELECT 1 FROM "epcis_captures" LIMIT 1')
    if rows:
        raise RuntimeError("epcis_captures holds captures: they cannot be removed")
    return """
        DROP TRIGGER IF EXISTS epcis_captures_no_truncate ON "epcis_captures";
        DROP TRIGGER IF EXISTS epcis_captures_no_update_or_delete ON "epcis_captures";
        DROP FUNCTION IF EXISTS epcis_captures_append_only();
        DROP INDEX IF EXISTS "idx_epcis_events_capture";
        ALTER TABLE "epcis_events" DROP CONSTRAINT IF EXISTS "epcis_events_seq_or_captured";
        ALTER TABLE "epcis_events" DROP CONSTRAINT IF EXISTS "fk_epcis_ev_epcis_ca_178d7a10";
        ALTER TABLE "epcis_events" DROP COLUMN "capture_id";
        ALTER TABLE "epcis_events" ALTER COLUMN "seq" SET NOT NULL;
        DROP TABLE IF EXISTS "epcis_captures";"""


MODELS_STATE = (
    "eJztXWtz2zYW/SscfWk6o3iihx/17uyMLCsuW1v2yHLabdPhUCQkYU2RCh92PG3++wJ8SC"
    "QIMgRNShSML3EE4oLSuXhcHFzc+3drZenAcI4Gazg0IDDdifXcOpf+bpnqCqD/UJ+3pZa6"
    "Xm+f4gJXnRm+gLqGiuZX9cvVmePaquaiR3PVcAAq0oGj2XDtQsvEAgNTsuyFakJHxUU/OJ"
    "Lz4rhgJWmqYUBzIblLIA3uZOkZukvLcyVVWgPbsUzp3e3Ac5dS8DZJs4GO/kL0lh+P8Kt1"
    "S0PvRi3U+hbPhF88oLjWAqAmbPSuP/9CxdDUwVfg4I9/t+YQGLr//1b8SyhQxy2gJlUX6I"
    "rq4k+oDMuDr2sbOA6q5URNhioxPcPAgL+sfbxbfmWEsf/hG664flT8NyYUGbzLL1ci2YcH"
    "+fKjXxPDNVM0y/BW5rb2+gVhYW6qex7Uj7AMfrYAJrDx945pFn+1sB9ERQE8qMC1PbDBRd"
    "8W6GCuegbuH61/zz1Tw8BI/pvwP/3/hF8tVk1RxrdT5X40VZRWqjuF6MR1HxZpCEoEE8Qd"
    "EwHzLWh3C4hf2sIvGP48mLzrnfzoQ2A57sL2H/pwtb75gqqrKlutblH2/6ZwHi5Vm45zVJ"
    "9AGn3RMhhHBVuQt2Mugi8CqAZIWyv1q2IAc+Eu0cfOhw85GH8aTHyYUS0fZwtNEsEEMg4f"
    "dYNnGO8tvo5m4VZSCP9yfzumI7yVIDDWoeZK/0gGdNy6sI716JkHDReazhF+3z46NUYIt7"
    "xynC9GHOd3N4PfSRUMr28vyN6PG7gg1KGimVFZoYnPoswu2b2eEOOw8/e6Bfp+r5vZ9fGj"
    "JNRrb2ZATXkELyy9Pyn1qhEQztdNwXvXXR0joxhwBV0FGQbKCpqeS5nqZdOlayJTnlAK+n"
    "2Hpwz0ddGf991O/7R/1jvpn6Eq/vfclJzm6EseTwmwI5NoRuns2UZLUqpK46W5ff27tkoa"
    "1MDOTIJ6iZ64cAXygQ0kyVkkFD2K/sMXwFP5ZnQ/HdzcJWaUy8F0hJ90/dIXovTdCTHLbB"
    "qRfpOnP0v4o/TH7XhEam1Tb/pHC38ntFBaimk9K6oexyQqjooSavbWekk1JyWFmhutZhs8"
    "WY+l1JyUrEDNDVuMeNIyhS4ouhpSRMWSiJZEzJDMH6m79zhkaag/WjaAC/NX8OIDLqPvo5"
    "oazYYLSbPbWHMhb3aYKG9Lt6PdVp83LBOtr6H/IBCA6wMyQQNhIg+nAT81U7XHZ9XWlQw1"
    "OAAZHC5ll38RCn78dQKMjZbo4Ad05b3fFF/g+xhaXSuGXQLV9KNVd0WWqKa68H8Sfjd+U0"
    "T0ejp0r61FFg8ce9zOpYFxRcWwFsVY4GxQGPnVSkhUPAPH29Rcyw67NWq/wpZd1UY/q5am"
    "VS0aH9W2Sxnqr3yBoKz3SlmzG5Bif3AAlmN80io6hOIyrxhIh7MfYGBPGmOJc4lucLrKiG"
    "tCSCBKRZT1QJIQK3U00zA8d3AsuTW2Ch+BaRnbFx5Ov076BSA+6WcijB8lAQ4NZR8kBpQJ"
    "Mf56c/XnjIktCSPO1JmYA5Sr789wzQJvUJs/XPvHBXDtH2fiih8lcfUcYCsqwoSyqcnGNy"
    "nFH87HnSLTBKqVibT/jDgQB+iXOqwzRVKKw7Wv0z0rYl90z7LtC/yMasyVg5wqzF8nrwX4"
    "FXBVzJyk8c72uYnLNMPnDL/2oH3OUmc22ccIdZLjF6qrLUdP2W7SyQrtPIJ8hqsq4InBUV"
    "ryZX5wpKXqLN9rS6QCoEtL1Jks++VfEnoXMPX3lmm8SO+wOzPuhDPVAZIN5miJcyQkYi4A"
    "1T262rYppP2f4S8Oph8HfGn9RfD4TDzwBVxkulpRZziKX1U4nb2OAq7fq+qnbrfXO+1+6J"
    "2cHfdPT4/PPmzcq9KP8vysLuQr7GqVGHaR71U2P4xVlYI/E/uwdimntsYt7BV7tTHvXl+z"
    "bW0cmDXvW8UxBsfHGLZlMI2cpBSH46dzUsTWJRUXM3VPKBSmOC8S50UHgi7rnkzsxyJ8Kt"
    "mPJS6m2OBJwbsGlgk6IcTh/Fw9Y8yKsACXAVxHNZgI46i+ALcAuAZYqNoL8xRBiPFHWFaP"
    "dJxhKWpsxGWEf3i+f7iPVRpcZsdwnybkyym5TXiEx7sVsyt47RxuHn1bjLkFO/ZrtoEG1z"
    "F3p0qDRpAuvs+oS+74PWjIuJ5DvLHCd4kgG/x4LGtoTLJYElH9aqy1/R4J1Myi7vnidcPs"
    "tWq4irVt6Z7GtL+IiXC4xajFBfNJtSFwKd02G+WYCH+7i1pAtmy4gKYyV+0VC9CEGIddul"
    "sI7W4O2t1MtG2wYHQuTgny173rBFyzPNO1maaStCSPnbwI4tl4pxlN+wk7pOGT1jTW+Ow2"
    "i9lMyuWd4B4g5jkg4xNZAsQvnmq6kLbuXaId40o16BjGxUj8ArmjUJ4zBEdD+WZw/a7Tb/"
    "f8nup8MWBATGz8jVPTAvpdGdbbyPRWKc4n6VocyjZ5Omj9enUuPS4+m1M06X82ry/OJWPW"
    "KjFBFCE0s/nMNCu/4QTKIL+V3h32LbzkOi6wQTTkCutgMrqS76ejyejyXNq28tmUx8p0Mh"
    "jfy0g5aIVB2JsORFq6HF3Ln4LqOjDgU1B7MvplNJwGbfwPaC4uGw7Gw9H1NS7UMFKGgUvv"
    "765xk87aCDro/j0QRHyqMjPawXn0iPhUb0LNeLOnBOEn03q+sCwDqCZdzYQkoecZEq1LtZ"
    "uS3er24vb2OqHWC5nw0h0/3FyM0HRKmCxpF9Mw3icrQ0qIcUeU9otcDeln3wzppy6G+Ig5"
    "y1LzGCkrQrA1eSJbuJCJfInq88e5dIrY951sA7+TsvBD2sSwtHJ+kjRpcfxAYBw7ZS2MbE"
    "xGOIWQU79qs8cqSQiJLkpeJU46NxQFlZQTuBIEyhKulbltrRhxJeUErhRckclQAtWNlMA0"
    "PxQrXoHS6IoYrNkxWGNrdobHHXXO3QvIzezC38WYXHAK4EwYqRWgfR02xTXSdNu+AN6btU"
    "sgXQxpcrEvirFrCYQZEN4s/AXwDTYLFcDL4Gh+oNgm9lWviDm+DcRBMNUMIcdT0T84sTSS"
    "p3RLaOgI8wqg4qpjJkACaw06ShV9aoRb4r1P+YfaQUTMV8I13bbEGV513okhcyVQrsZQ0i"
    "lk35AJI47F8jjs7qJMIihwRXdJxH2Pvd73CPoR8wVSQoy7Q83q748KD5wyPfvgTjRF6rC3"
    "oOW9htQ/oOFbnqMOwKpgmz5Yw8C+4stmbRN79UTnatSlcH+XNVTXrmeDDAOYrJJrAAf7Py"
    "2oXTS8pymN7obyvRSKSf+zZtK7q/vOD46E8ZFmSL1IDT8monEeSeF3ciTbM6Vn6C6hKeEI"
    "nWG833aL0GFtL/psqoYhWbZkWvjZ4lxSJRw+FOj+G6AjzaHp+z1JqqlLjqdpAOhAz4oYSl"
    "j5wgjf76XrQPvMV4OTYmJJIUO2vChZy0iuk2xCbocusvsBtEIPWbHHeRPWb7TUlNAzISp2"
    "OU3WM7JFTPxb2WbPmJSYO4vPnb7J5tAo+jywY1IC7OJgA9u2bArW2UFOtxK7D3O6H7hrCW"
    "jqH9uhXSob9nEhAf+r4fcjKaQVkJl3gJAS+QcoM0pjQlI3Deh6PFhjkFXAEb4hR9Z0X9uz"
    "Yw+rE0Yz7f3d+hQkMcsiVIvlSiLdaQrnSpJ8mR8c6eq+E5Ke3aMP0tyyV5XkS6qyfZEzSe"
    "RMYrdZGjbVVG2yRGZ1Gs1sv4+4DHdOH7VkOfQRY97tiJ3OK3c6goouo4qDoyhFVP6Kz8zC"
    "M0VW15aElLh+KTId7CzTAaXzVoAtxSPlIHvu9/2GEiO3UY5DsvkE3Q0nQ9nlJiu083a5cF"
    "N1xy7zFMJFOM7z4LMDVio0mLZOkUCTw5WW3Dn1ukUiRqNaOekSUqFhsxOTfj9A6SGkJ23d"
    "/jYeTc4lP7jAZ/NmMB5c4c/BhIhKPsmj33DBEwTPQcCG/QcSda1HYDJfF0lKcUccVH9bxF"
    "+vmB0Ck1JibyM4gbfICSCDCqLmSqg5KSnU3Gg1q5oG1uWGMyEqvBAPQs9sayEhJjgpMiyg"
    "uKfI/9gRXknCK2n/KO/EK6lOJjIeSYvCQxKBtrJZyCjiWqM4yLZI2XrYTKT/N4VzNhkT1W"
    "8yN1aSiKklc90j+mks+Eb1OcS3ej4RvQsApvytWwn+sgDU0n81agq7nJTO9Nx1HMBbS95W"
    "9hSiPOcOrQVivCCqBnvmnaQYf2AXOnXLOXRLn7mVSM8q8rIy5GXFtyFcj9aNc1OKxsVenV"
    "K0YV06B+Aoo+hP7ZPCCUUNy1yUgjguJzDOxXiNwGGbiSMB/ubgXpEZopc9RfRSc8TCYMuJ"
    "ZfBqSvSKWBK9bEOiR0FWAV9dYDqMFltKkD+0q7clVFtbwqdyB3RJUXHI0ORDhohLZAxelZ"
    "ASRwvCV+Utjh2RsPlNqFmcw9Y6WYqskeJk+9BPtmvJUfQmUkBVlaYoTItmzdPAi/Q7ifxk"
    "a2R30NPACaBSQNFyuQmYKs55xeVEV2sMoRuwmgEbd9IMr6ZkhXaeX9NqU7UGzyaq/5LnBP"
    "lYyZg9Cb+nqFJb3Lk858LTSdwIbOCNQMFUlRkFB0dhCKbqTahZMFW1MlUxk6QorDERAaeg"
    "qRpEU+GeWQHMD6gZvuGNDeFG3WshOzhlF0gZA9n7wHg3qv+Oi9iMiWsnTfGdqcNtf/euuA"
    "3jxWr1xBU+jJz6MDYoLlD1Hoxr29I9DbCmCYqL7TBP0KbkYBMFzbwXVqwjEYGzyBwo2CVB"
    "Ir4RNadomSIuF0Ga1VdmkOE0w3dyHcJOANRlvx5PgoMEyQYa8G8N7Bqthhn3hcBKp1EvDx"
    "V7tOyD7F9EEOnyeKUCV/OIViLYza48ew4SKcJ9pjxWKZcdXtCqkwSfgDmaAJdTHKI4gwQn"
    "q7TzSHA7qKz4MY93HOkpdtAQC9MnPJ4OlmSfqytovDCeGCeE6j0z3iW3Vs0JvAhgTiEqqw"
    "9gLoIwl+nHB7HTTzi5B2uKUl7d9BaE2hutdmRnlCLxHHGl/yD0K6JDvwUti0OXN6FmuGax"
    "dIPa/Pk49I8LmLj940wTFz+i+PKqC+pN3Wx8k1L84XzcKeJMgmplIu0/I6LEepqG7ESL4m"
    "46BV+zUn/HhXgAOm9SGv0+TcxHqRzKmznp+nZ8FVUnEysnUW/MXYDD0YO4CtCQqwDCNz3q"
    "PCV904eD++HgcrQv1/SprZqOquV4phM12nmcvLutu2NGPp7BWCRd4IeYN4H7bNmPLJZfTI"
    "RDH/jqKWT3KztN/5Vjjr7Ize2T7JvbJ6mb2+AJx83xEaJi/P1L9ckWmtyrW5PRlXw/HU1G"
    "l+cSDsDvuMAG+mcT7a6nD/cKwmh8hZ+hX+p6jqItVXOBnw9Hk6n8UcaPNGC7EMGEpX6W7+"
    "786kGUl8/mZDQcyZ+C1gM3pFYJJVfviT8zLO1RQZqc0QyiC7iQzYz9EylJqBcGO9jDMt3R"
    "10V/3v/U7fZ6p90PvZOz4/7p6fHZhzNU1//C6UeneS7Q8hV2Zk5oI+3dHPSpsoNsK727Ad"
    "ZaA1PHQDKOsrvR+FIeX51LoTwaP7fjj/Lkxh8/ljmH9gqPlo8D+RoXzVVolBsp1QeyWKsv"
    "hqXqzIsOKccD1VD32r7nmMENQ7saQkHQNXWii6bmpWUzTw6EmJgbis8N4liK62OpjTVQRt"
    "GErDhnbrKm4xxY0RUpLiO47nyu28eqArKbw/tBbYLtjnerRoViiQ4aKER37Awim+HGNL4I"
    "ucI56QxWaLvMYn1uBLhjQ3uF8hX1chIW9dIZi+boxQprXJuEUJMp0JJI1xLchvtIrneT28"
    "uHIY7VGsbesD+bFw//xQUz7wV/GjxcytNb9Fn1dOhauOTyRh6jz/oKmk2hxBzn2bLLcGKE"
    "YJOVVXZgHBdxKUO1sgfGccqpDDoKPqd+ooyO3KgjCbkdhh6JVgAReUSwDU3eg4rII9yquV"
    "TkEXHnmi2yBnmnuTxglMvUvEBWJ0EwADbUli0KPxA+aefRA+q2TmP4gUzHAyo9QHE3CG2P"
    "5u5YA2eDbqd/2j/rnfQ3PgabkjzXgshUyaYDntC8Q410nW2Xx0SERV7MIseDigHhsDqH6H"
    "YKEQGdHCKgQ4tya7rUGzS/3N+OMw9/XPr1GR1qrvSPZECniGtS09DOAReDkTDBUtc7yJsc"
    "hG2FG7ignSLsku3+9n+6YPLf"
)
