from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "audit_logs" (
    "id" UUID NOT NULL PRIMARY KEY,
    "at" TIMESTAMPTZ NOT NULL,
    "actor_id" UUID,
    "action" VARCHAR(64) NOT NULL,
    "target_type" VARCHAR(32),
    "target_id" VARCHAR(64),
    "ip" VARCHAR(45),
    "user_agent" VARCHAR(512),
    "request_id" VARCHAR(128) NOT NULL,
    "metadata" JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_audit_logs_at_b54c86" ON "audit_logs" ("at", "id");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_actor_i_4c35a3" ON "audit_logs" ("actor_id", "at");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_target__b83209" ON "audit_logs" ("target_id", "at");
CREATE INDEX IF NOT EXISTS "idx_audit_logs_action_d4ed59" ON "audit_logs" ("action", "at");
CREATE TABLE IF NOT EXISTS "users" (
    "id" UUID NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "full_name" VARCHAR(200) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "password_hash" VARCHAR(255) NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "users"."role" IS 'PRODUCER: producer\nBUYER: buyer\nAUDITOR: auditor\nADMIN: admin';
CREATE TABLE IF NOT EXISTS "batches" (
    "id" UUID NOT NULL PRIMARY KEY,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "product" VARCHAR(100) NOT NULL,
    "variety" VARCHAR(100),
    "origin_farm" VARCHAR(200) NOT NULL,
    "origin_region" VARCHAR(200),
    "origin_country" VARCHAR(2) NOT NULL,
    "harvest_date" DATE NOT NULL,
    "quantity" DECIMAL(14,3) NOT NULL,
    "unit" VARCHAR(4) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "owner_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_batches_owner_i_4ade91" ON "batches" ("owner_id", "created_at", "id");
CREATE INDEX IF NOT EXISTS "idx_batches_owner_i_9a25b0" ON "batches" ("owner_id", "status", "created_at");
CREATE INDEX IF NOT EXISTS "idx_batches_created_3adf83" ON "batches" ("created_at", "id");
COMMENT ON COLUMN "batches"."unit" IS 'KG: kg\nT: t\nLB: lb';
COMMENT ON COLUMN "batches"."status" IS 'REGISTERED: registered\nIN_TRANSIT: in_transit\nDELIVERED: delivered\nREJECTED: rejected\nCANCELLED: cancelled';
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" UUID NOT NULL PRIMARY KEY,
    "family_id" UUID NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "session_expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "revoked_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
CREATE TABLE IF NOT EXISTS "transactions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "network" VARCHAR(64) NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL UNIQUE,
    "event_type" VARCHAR(32) NOT NULL,
    "block_number" BIGINT,
    "status" VARCHAR(16) NOT NULL,
    "payload_hash" VARCHAR(64),
    "created_at" TIMESTAMPTZ NOT NULL,
    "confirmed_at" TIMESTAMPTZ,
    "batch_id" UUID NOT NULL REFERENCES "batches" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_transaction_batch_i_23e8fe" ON "transactions" ("batch_id", "created_at", "id");
COMMENT ON COLUMN "transactions"."event_type" IS 'REGISTERED: registered\nSTATUS_CHANGED: status_changed\nCERTIFIED: certified\nSHIPPED: shipped\nRECEIVED: received';
COMMENT ON COLUMN "transactions"."status" IS 'PENDING: pending\nCONFIRMED: confirmed\nFAILED: failed';
-- Constraints the ORM cannot express.
ALTER TABLE "users" ADD CONSTRAINT "users_email_folded" CHECK ("email" = lower("email"));
ALTER TABLE "users" ADD CONSTRAINT "users_role_known"
    CHECK ("role" IN ('producer', 'buyer', 'auditor', 'admin'));
ALTER TABLE "batches" ADD CONSTRAINT "batches_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "batches" ADD CONSTRAINT "batches_unit_known" CHECK ("unit" IN ('kg', 't', 'lb'));
ALTER TABLE "batches" ADD CONSTRAINT "batches_status_known"
    CHECK ("status" IN ('registered', 'in_transit', 'delivered', 'rejected', 'cancelled'));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_status_known"
    CHECK ("status" IN ('pending', 'confirmed', 'failed'));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_tx_hash_format"
    CHECK ("tx_hash" ~ '^0x[0-9a-f]{64}$');
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_payload_hash_format"
    CHECK ("payload_hash" IS NULL OR "payload_hash" ~ '^[0-9a-f]{64}$');
-- Server-made batch codes (AGB-<year>-<number>) draw their number from here.
CREATE SEQUENCE IF NOT EXISTS "batch_code_seq";
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "transactions";
        DROP TABLE IF EXISTS "batches";
        DROP TABLE IF EXISTS "refresh_tokens";
        DROP TABLE IF EXISTS "audit_logs";
        DROP TABLE IF EXISTS "users";
        DROP SEQUENCE IF EXISTS "batch_code_seq";
        """


MODELS_STATE = (
    "eJztXG1zozgS/isuPs1V5VIZ23Fyqa2r8gvJsJPYKYfM3e3NFiWDbOuChUeIvNRc/vtKAt"
    "sgwAHWTjDLl8S0ugU8rZfW0xI/lYVjQds97noWotfObOw8KReNnwoGC8h+JBUfNRSwXG4K"
    "uYCCiS30AVc0bGcmxGDiUgJMykqmwHYhE1nQNQlaUuRgJsWebXOhYzJFhGcbkYfRDw8a1J"
    "lBOoeEFfz3dyZG2ILP0OWXP5UpgrYlfiuA8vshS+FK8HlJoOuyW7gru+B9gsrpy1I8rSKU"
    "2SOKi9ejRrROkzrEYHXyN6G7rJkCwl5rL1Wzh+bQ/vl6ueLywRBVR5qE/9RCbqxs7++1wa"
    "XQ5N6cGKZjewu80V6+0LmD1+qeh6xjbsPLZhBDAii0Qq2EP1rQpFYiv0EwASUeXLcEayOw"
    "4BR4Nm9ryi9TDwscGuJO/E/7n8GjhdQMYzjSjTtVNwwlR9M0GZQMJoQpR/Tnq1/vBhAhVf"
    "gN+l+640+tzt8EBI5LZ0QUCriUV2EIKDA27tug7DfoKMoDhhJFC5iMtG8hIW0FJserH0UQ"
    "Xwk2kG968wrMFVzvC7Cu3ah3evfmlle/cN0ftsCpq6u8pCmkL5L0k+8Phw1M/pi1rqTxL0"
    "3/0uCXjd9GQ1X22lpP/413OzbWUcfAzpMBrDAmK/FKJHro2q2hMSVrFwrb/ImOFHSTA/Dq"
    "m90mgmcw3EXR7M8BSUUzsJCwZA93gJ1DWYBnw4Z4RufsstPeAuu37lgg22lLHWAYlDRFUR"
    "TgYKoSIOVAWTIrBHXJGmwU6VYzA9KtZirSvCgR6aSx4U2cEweHCqC8+/aMlnng9bWrh2v7"
    "NAOu7dNUXHlRFFfPhcQADJOEuCUd36hV9XA+/ZxlmGBaqUiLsijUBLI3dfOOFFGrCs59n5"
    "vnGbBmWqlYi7Io1gtIAY/R40j/ejcaJiMdtpHDcWTSxv8bNnLpvvAOLX4mHrIpwu4xv+1H"
    "rH84RpHIfIX1p5vuv2U39K9HPTni4xX0mEv4YnT6EFooccEEmA9PgFhGrMRpOmm68aJFcy"
    "FLAGZjkhW8MX+/gAbpAWrOUyiSddnRNn5kwrXgO5MjzhNrZkHHNwnkDc7YB2ESvo9LAfVc"
    "6Y47vNdO36PmOj6U6zBZP8kzla30dzOJvY3xAS8qlsSxPDNXTBYyqWKUcHKSJUo4OUmPEn"
    "hZFOVHQBCkL3lQDplUL+zdC8gOQTOEjSkgizxAS2YVbNLNTGg3t6DdTEWbwFlOfi1mWL3m"
    "vU/ATcfDlOQaSuKWVWzkWRBPx1tGm4H5yFfDPC2SnGhJxlq225ZuOUDMt4DM0ycSiD88gC"
    "lKmvcG0EQLYCdjGDaT8fPtjgP7iiGo9rWb7vWnz+2jlmipbFGMKAy34HZsWGDvlRK9qdhb"
    "CIA19gAAmzDOrgW2ZR4OlK9XF42H2Xess0H/O77uXTTsiVJggMjCFKcTxTGeeLN+LYL8xv"
    "r9sFf4lOtSSOCqy2X2wVi90u50dawOLhqbWr5jbWjo4+7wTmPOYTMMwx67iHlpoF5r33x1"
    "C9ro0dceq7+qfd2v43/QpFzW7w776vU1F5ocKdsOni5vRNnJElDKmd1QPNmRHRwlEPIk2q"
    "OWdcK91Al3b2kVdHPUsnZzqd0cph6z0nVhm12SduV16xscXYxll/CNg3vpEIhm+Ct8ic2H"
    "EqIBS37vQhKQ5IcJ60aqrFepBDytueNIq2Lvz94a+jHemDXysdbXfbo5OXkR2g3A51p/r0"
    "pCFNILrC+/jqENUja0BJDrm5qqhfzrPlM9YzhlnWOuOw8Qp2R8ZJWjbYkf4isblGvvP/9T"
    "ZzQ+NKMxBQtkv+ScjyJG+52Q3jPFsZuNfqLfGHPgzvNQY1GryuWLdr89Cj4vEXNCgXA5al"
    "mHy6UOl10/S24Ud3dyDbXbS+12zy22EnZ3uQwuWWqnSv4l8JFNeEVcHLWsvVxmL9fM5V/C"
    "zWJvdL4VRMikJrS2E1ocqprPysBnhdpUhM7qd+/63YG6jc3aJz8jsVoJ9Eyc90pnZ2S27f"
    "325ooNwfvYm1szQB/KAGFInxzykIesCJmUOWNfGq6CPufng54rTAZlSZF30lPknViKHD5C"
    "vO3o59v7IKI1lLlVp+6BYGGcfn9nMIyGV7zM39phmHOAZ2KHgzrWtUtN7HCAhCIGE7f6ot"
    "3eCvU5Wi793RF9Vfvm125C9FhsH8Tud4hPbMd8MJgnJ0kBUQ/NNEyTO5NsKbkX4SxnnEq2"
    "TmSPy/79/R/NZqt11jxpdc5P22dnp+cn50xXPHC86GyLS3ralTbUo97ggoPfbLSE2OJA5u"
    "xlt+pwoA2vLhqBPes/o+GlNr4R/cfBU0QWvLdcdjWxaWgKUGl2DC3Bi+0AK/ekI9tVb0P0"
    "7uf2muMoEq8eHMex7vFFHC3Z1qRlmT0dXudmXXuGbWo+azufJbDaAaEVPsZ8mLi+yWiFm1"
    "XuHVr75LRWZGICmRXiGdNZLE7V1VuLKk4swQULifOEn2uDyjEerWaWc3hMa8tyOHbgZspu"
    "bIiLHBhHjMpMcxREei8nHoljFyaWVrZlxlq5HY8G9311zFa74kw9JN9x7/4/XDDxXvhV93"
    "6g6SN2Lb6b6nDJ4EYbsmtrgXBZlr2u++SQIuteybDMziraMU6zfEmLaaV3jNPYt7SQa/Bc"
    "1GNC7+g5rOEDnDKlhu0ksCfMcF9or2aA951De6PRdWT109Mkom14f9NTWWuXDlvG+beabS"
    "jigINbg9ZnwSrr5tjKOMsZm9DHuIofr6ngglnaUygfXCmOVcKJmapAtk9eoAsJMudK0nf5"
    "/ZKjrZ/k3+iUhhZIzSkmsgIJmcQg5CjvQtXPIzY/t8/a561Oe50+XEu2ZQ1XEUo6C/AIiZ"
    "vzwzwhkzoQzxaI806VA+FAvYLo7uWDXuyONPF7wemfVg2ZvP+XVT8m/KrGN1Rf/wCOK83v"
)
