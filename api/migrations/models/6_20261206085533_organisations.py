"""Organisations, their members, sites and machine clients. Every person gets an organisation
of their own that shares their id and holds what they held: their batches are owned by it, the
batches shipped to them are held by it, and they are its owner. Event rows are not changed, so
every chain's hashes stay as they were."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SCHEMA = """
        CREATE TABLE IF NOT EXISTS "organisations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "country" VARCHAR(2),
    "phone" VARCHAR(32),
    "gln" VARCHAR(13) UNIQUE,
    "produces" BOOL NOT NULL,
    "buys" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
        CREATE TABLE IF NOT EXISTS "api_clients" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(100) NOT NULL,
    "scopes" JSONB NOT NULL,
    "auth_method" VARCHAR(32) NOT NULL,
    "public_key" JSONB,
    "rate_limit_per_minute" INT,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_api_clients_organis_1c1161" ON "api_clients" ("organisation_id", "created_at", "id");
COMMENT ON TABLE "api_clients" IS 'An organisation''s system calling the API without a person (OAuth client credentials).';
        CREATE TABLE IF NOT EXISTS "client_secrets" (
    "id" UUID NOT NULL PRIMARY KEY,
    "secret_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "client_id" UUID NOT NULL REFERENCES "api_clients" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_client_secr_client__9b96d2" ON "client_secrets" ("client_id", "created_at");
        CREATE TABLE IF NOT EXISTS "invitations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "invited_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "accepted_at" TIMESTAMPTZ,
    "accepted_by" UUID,
    "revoked_at" TIMESTAMPTZ,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_invitations_organis_3f9c16" ON "invitations" ("organisation_id", "created_at");
COMMENT ON COLUMN "invitations"."role" IS 'OWNER: owner\nMANAGER: manager\nVIEWER: viewer';
        CREATE TABLE IF NOT EXISTS "locations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "street" VARCHAR(200),
    "city" VARCHAR(100),
    "region" VARCHAR(100),
    "postal_code" VARCHAR(20),
    "country" VARCHAR(2) NOT NULL,
    "latitude" DECIMAL(9,6),
    "longitude" DECIMAL(9,6),
    "phone" VARCHAR(32),
    "gln" VARCHAR(13),
    "gln_extension" VARCHAR(20),
    "archived_at" TIMESTAMPTZ,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT,
    "parent_id" UUID REFERENCES "locations" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_locations_organis_931628" ON "locations" ("organisation_id", "created_at", "id");
        CREATE TABLE IF NOT EXISTS "memberships" (
    "id" UUID NOT NULL PRIMARY KEY,
    "role" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "organisation_id" UUID NOT NULL REFERENCES "organisations" ("id") ON DELETE RESTRICT,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_memberships_organis_84df59" UNIQUE ("organisation_id", "user_id")
);
CREATE INDEX IF NOT EXISTS "idx_memberships_user_id_049179" ON "memberships" ("user_id", "created_at");
COMMENT ON COLUMN "memberships"."role" IS 'OWNER: owner\nMANAGER: manager\nVIEWER: viewer';
        ALTER TABLE "audit_logs" ADD "client_name" VARCHAR(100);
        ALTER TABLE "audit_logs" ADD "client_id" UUID;
        ALTER TABLE "audit_logs" ADD "organisation_id" UUID;
        ALTER TABLE "batch_events" ADD "actor_id" UUID;
        ALTER TABLE "batch_events" ADD "organisation_id" UUID;
        ALTER TABLE "batches" ADD "ship_from_id" UUID;
        ALTER TABLE "batches" ADD "origin_location_id" UUID;
        ALTER TABLE "batches" ADD "ship_to_id" UUID;
        ALTER TABLE "batches" ADD "created_by" UUID;
        ALTER TABLE "refresh_tokens" ADD "organisation_id" UUID;
        ALTER TABLE "transactions" ADD "organisation_id" UUID;
        ALTER TABLE "transactions" ADD "created_by" UUID;
        CREATE INDEX IF NOT EXISTS "idx_audit_logs_organis_06f12d" ON "audit_logs" ("organisation_id", "at");
        ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_location_4a35be27" FOREIGN KEY ("ship_to_id") REFERENCES "locations" ("id") ON DELETE RESTRICT;
        ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_location_06cd687c" FOREIGN KEY ("ship_from_id") REFERENCES "locations" ("id") ON DELETE RESTRICT;
        ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_location_b3a3db52" FOREIGN KEY ("origin_location_id") REFERENCES "locations" ("id") ON DELETE RESTRICT;
"""

DATA = """
    INSERT INTO "organisations" (id, name, country, produces, buys, created_at, updated_at)
    SELECT u.id, u.full_name,
           (SELECT b.origin_country FROM "batches" b WHERE b.owner_id = u.id
             GROUP BY b.origin_country ORDER BY count(*) DESC, b.origin_country LIMIT 1),
           u.role = 'producer', u.role = 'buyer', u.created_at, u.created_at
      FROM "users" u;
    INSERT INTO "memberships" (id, organisation_id, user_id, role, created_at, updated_at)
    SELECT gen_random_uuid(), u.id, u.id, 'owner', u.created_at, u.created_at FROM "users" u;
    UPDATE "batches" SET created_by = owner_id;
    UPDATE "transactions" t SET organisation_id = b.owner_id, created_by = b.owner_id
      FROM "batches" b WHERE b.id = t.batch_id;
    ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "batches_owner_id_fkey";
    ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_users_92c9573b";
    ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_owner_organisation" FOREIGN KEY ("owner_id")
        REFERENCES "organisations" ("id") ON DELETE RESTRICT;
    ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_recipient_organisation"
        FOREIGN KEY ("recipient_id") REFERENCES "organisations" ("id") ON DELETE RESTRICT;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SCHEMA + DATA


async def downgrade(db: BaseDBAsyncClient) -> str:
    # Back to batches owned by people: only while every owner is a person's own organisation.
    return """
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM "batches" b WHERE NOT EXISTS (
                       SELECT 1 FROM "users" u WHERE u.id = b.owner_id)
                     OR (b.recipient_id IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM "users" u WHERE u.id = b.recipient_id))) THEN
            RAISE EXCEPTION 'batches are held by organisations that are not people';
          END IF;
        END $$;
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_owner_organisation";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_recipient_organisation";
        ALTER TABLE "batches" ADD CONSTRAINT "batches_owner_id_fkey" FOREIGN KEY ("owner_id")
            REFERENCES "users" ("id") ON DELETE RESTRICT;
        ALTER TABLE "batches" ADD CONSTRAINT "fk_batches_users_92c9573b" FOREIGN KEY ("recipient_id")
            REFERENCES "users" ("id") ON DELETE RESTRICT;
        DROP INDEX IF EXISTS "idx_audit_logs_organis_06f12d";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_location_b3a3db52";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_location_06cd687c";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "fk_batches_location_4a35be27";
        ALTER TABLE "batches" DROP COLUMN "ship_from_id";
        ALTER TABLE "batches" DROP COLUMN "origin_location_id";
        ALTER TABLE "batches" DROP COLUMN "ship_to_id";
        ALTER TABLE "batches" DROP COLUMN "created_by";
        ALTER TABLE "audit_logs" DROP COLUMN "client_name";
        ALTER TABLE "audit_logs" DROP COLUMN "client_id";
        ALTER TABLE "audit_logs" DROP COLUMN "organisation_id";
        ALTER TABLE "batch_events" DROP COLUMN "actor_id";
        ALTER TABLE "batch_events" DROP COLUMN "organisation_id";
        ALTER TABLE "transactions" DROP COLUMN "organisation_id";
        ALTER TABLE "transactions" DROP COLUMN "created_by";
        ALTER TABLE "refresh_tokens" DROP COLUMN "organisation_id";
        DROP TABLE IF EXISTS "client_secrets";
        DROP TABLE IF EXISTS "api_clients";
        DROP TABLE IF EXISTS "invitations";
        DROP TABLE IF EXISTS "memberships";
        DROP TABLE IF EXISTS "locations";
        DROP TABLE IF EXISTS "organisations";"""


MODELS_STATE = (
    "eJztXW1z4rYW/isevjSdye5sgLw0986dAcKmbhPIELLtbdPxGFuAbozN+iUv0+5/v5JfwJ"
    "Zlr+XYxCj6slkkHRmecyQdPTo6/ru1snRgOB97azgwIDDdifXUOpf+bpnqCqD/UOsPpZa6"
    "Xm9rcYGrzgxfQF1DRfOb+uXqzHFtVXNR1Vw1HICKdOBoNly70DKxQM+ULHuhmtBRcdEPju"
    "S8OC5YSZpqGNBcSO4SSL0bWXqC7tLyXEmV1sB2LFM6GPc8dykFT5M0G+joL0RP+fEjfrRu"
    "aejZqIdan+KZ8KsHFNdaANSFjZ7151+oGJo6eAYO/vh3aw6Bofv/b8W/hAJ13APqUnWBrq"
    "gu/oTKsDx4XtvAcVArJ+oyVInpGQYG/GXt493yGyOM/Q/fcMP1g+I/MaHI4Fl+uRLJ3t3J"
    "F5/9lhiumaJZhrcyt63XLwgLc9Pc86D+EcvgugUwgY2/d0yz+KuFdhAVBfCgAtf2wAYXfV"
    "ugg7nqGdg+Wv+ee6aGgZH8J+F/uv8Jv1qsmaKMxlPldjhVlFbKnEJ04roPizQEJYIJYsNE"
    "wHwL+t0C4pe28AMGP/cmB52TH30ILMdd2H6lD1frmy+ouqqy1eoWZf9vCufBUrXpOEftCa"
    "TRFy2DcVSwBXk75iL4IoBqgLS1Up8VA5gLd4k+Hn36lIPxl97Ehxm18nG20CQRTCCjsKod"
    "1GG8t/g6moV7SSH8y+14REd4K0FgrEPNlf6RDOi4dWEds+iZBw0Xms5H/Ly3MGqMEO555T"
    "hfjTjOB9e930kVDK7GfdL6cQd9Qh0qmhmVFZr4LMrskm31hBiHxt9pF7D9TjvT9HFVEuq1"
    "NzOgpjyAFxbrT0q9agSE83VT8N61qWNkFAOuoKsgx0BZQdNzKVO9bLp0TWTKE0pBv2//lI"
    "G+LvrzoX3UPe2edU66Z6iJ/z03Jac5+pJHUwLsyCWaUYw922lJSlXpvDTX1r/rq6RBDfzM"
    "JKgXqMaFK5APbCBJziKh6MfoP3wBPJWvh7fT3vVNYka56E2HuKbtl74QpQcnxCyz6UT6TZ"
    "7+LOGP0h/j0ZDU2qbd9I8W/k5oobQU03pSVD2OSVQcFSXU7K31kmpOSgo1N1rNNni0Hkqp"
    "OSlZgZobthjxpGUKXVB0NaSIiiURLYmYIZk/UHfvccjSUH+2bAAX5q/gxQdcRt9HNTWaDx"
    "eSZuNYdyFvtp8ob0u3o91WnzYsE83W0H8QCMD1AZmggTCRB9OAn5qp2sOTautKhhocgBwO"
    "l7LL74eCn3+dAGOjJTr4AV1563fFF/g+hlbbimGXQDVdtWqvyBLVVBf+T8LPxk+KiF5Ph+"
    "6VtcjigWPVh7k0MG6oGNaiGAucDQojv1oJiYpn4HifmmvZoVmj/ivs2VVt9LNq6VrVovFR"
    "bb+Uof7KBwjK+k0pa3YHUuwP9sBzjE9aRYdQXOYVA2l/9gMM7EljPHEu0Q1OVxlxTQgJRK"
    "mIsh5IEmKljmYahucOjiW3zlbhIzAtY/vCw+nXSbcAxCfdTIRxVRLg0FH2QWJAmRDjz5qr"
    "P2dMbEkYcabOxBygXL09wzULvEFr/nDtHhfAtXuciSuuSuLqOcBWVIQJZVOTjW9Sij+cj4"
    "+KTBOoVSbSfh1xIA7QL3VYZ4qkFIdr31H7rIh/0T7L9i9wHdWZKwc5VZg/I68F+BVwVcyc"
    "pPHOjrmJyzQj5gw/dq9jzlJnNtnHCHWS433V1ZbDx+ww6WSDwzyCfIabKuCRIVBa8mV+cK"
    "Sl6iw/aEukAqBLS2RMlv3yLwk9C5j6B8s0XqQDHM6MjXCmOkCywRwtcY6ERMwFoIZHV9s3"
    "hbT/M/zFwfTjgK+tvwgen4kH7sNFZqgVdYajxFWF09nrKOD6o6p+arc7ndP2p87J2XH39P"
    "T47NMmvCpdlRdn1ZcvcahVYthFsVfZ/DBWVQr+TOzD1qWC2hq3sFcc1ca8e33NtrVxYNa8"
    "bxXHGBwfY9iWwTRyklIcjp+jkyK+Lqm4mKt7QqEwxXmROC/aE3RZ92RiPxbhU8l+LHExxQ"
    "aPCt41sEzQCSEO5+fqGWNWhAW4DOA6qsFEGEftBbgFwDXAQtVemKcIQow/wrJ6pOMMS1Fn"
    "Iy4j4sPz48N9rNLgMgeG+zQhX0HJh0REeNysmEPBa+dw8+jbYswt2HFcsw00uI6FO1WaNI"
    "IM8X1CJrnj56Ah43oO8cQKnyWSbPATsayhMcniSUTtq/HW3vZIoGYW9Y0vXjfMX6uGq1jb"
    "lu5pTPuLmAiHW4xaQjAfVRsCl2K22SjHRPjbXdQCsmXDBTSVuWqvWIAmxDg06XYhtNs5aL"
    "cz0bbBgjG4OCXIn3nXCbhmeaZrM00laUkejbwI4tl4pxlN+xEHpOGT1jTW+Ow2i9lMyuWd"
    "4O4h5jkg4xNZAsSvnmq6kLbuXaAd40o16BjGxUj8ArmPoTxnCA4H8nXv6uCoe9jxLdX5as"
    "CAmNjEG6emBfS7Mry3oemtUpxPMrQ4lG3ydND69fJceljcm1M06d+bV/1zyZi1SkwQRQjN"
    "bD4zzcpvOIEyyG+ld4d9Cy+5jgtsEA25wjqYDC/l2+lwMrw4l7a93JvySJlOeqNbGSkHrT"
    "AIe9OBSEsXwyv5S9BcBwZ8DFpPhr8MB9Ogj/8BzcVlg95oMLy6woUaRsowcOntzRXu0lkb"
    "gYG+fQSCyE9VZkbbu4gekZ/qXagZb/aUIP1kWs99yzKAatLVTEgSep4h0bpUuynZrW774/"
    "FVQq19mYjSHd1d94doOiVclnSIaZjvk5UhJcS4I0q7Ra6GdLNvhnRTF0N8xJxlqXmMlBUp"
    "2Jo8kYVbe8PSysXy0aQFRU4QL7GTwMLIxmRE4AI5Pak2ez6NhJAwUfK6a/IAviiopJzAld"
    "jkL+FamdvWihFXUk7gSsEVLWslUN1ICUzz04XiFSiNrsgTmp0nNLZmZ0SFUefcNwG5mSb8"
    "XYzJBacAzoSTWgHaV2FXXCNN9+0L4L1ZuwTSxZAmF/uiGLuWQJgB4c3CXwDfYLNQAbwMwd"
    "B7im1iX/WKvNjbZBEEm8qQFjuVoYITTyN5krSEho4wrwAqrgwzmY0AnyQGaQhfaVPTbU+c"
    "GVWdFxHIBPWU+wiUHPbZ1xLCNE+x5Pm7u52QyMRaUQC/CLJ/0yD7wI6Yb+0RYtydJFV/aU"
    "+EPZSx7L07RhLva3oPWn7TPOZ7NHzLk64BWBXsO8lXmu8nuN/dfCaMq1E3cWXzEbobZoXi"
    "/iYb5Dq/cNN0x55v/vvchf+7t/4vWKnQYPF8NwJNDvUu6fV22kVu26BWOVdNU2H12Undvh"
    "/cvQ+p3Vrj30bDybnkH3rdm9e9Ue8Sfw4mRFTyRR7+hgseIXgKDhLfPgjbRa6mybzrS0qJ"
    "Td93N33+esV8zzopJTxFsZN+j3ss5FBB1F0JNSclhZobrWZV08C63HAmRAVlshd6ZlsLCT"
    "ERqkaGqwq6kf+x05gkw3u0EIrXw++cg6zi9fB1MpHxCC8KD0kEgGWzkFEkYKM4yEOR7m6/"
    "mUjWV7i+6t2tTZtidpD15wH9NBZ8o/Yc4ls9n4ieBQBbbu2NhMhaVch+NWr6n5x0mPS8Px"
    "zAW0vOO/b0azznXasFYrwgqgZ71oKkGH9gFzp1yzl0S5+5lUhtJ3LaMeS0w6HSrkcz49x0"
    "bHGxV6dja5hJ5wAcZWP76fCkcDI2wzIXpSCOywmMczFeI3DYZuJIgL85uPoc2wuDyZsIm/"
    "OH7FGniCfRyXYkOhRkFfDsAtNh9NhSgvyhXb0vodraEj6WO6BLiopDhiYfMrzxOwGa5j+K"
    "WBUxdgqPHZHs8l2oWZzD1jpZimxm4mR730+2a8md8S5Sk1SVPiNM12PN08CLtBCJvDlr5H"
    "fQ0xMJoFJA0XIMCZgqzsXC5URXa3qRa7CaARsbaUZUU7LBYV5c02rTtIbIJmr8kucEeQL/"
    "yot7ihodijuX51xEOokbgQ28ESiYqjKjYO8oDMFUvQs1C6aqVqYq5pIUhTUmIuAUNFWDaC"
    "psmRXAfIe64Rve2BBu1L0W0sApu0DKGMjeB8bNqP47LmIzJq6dNCV2po6w/d2H4jaMF6s1"
    "ElfEMHIaw9igvEDVRzCubUv3NEBLyJ33ysy4mHhfJsP7MmfeCyvWkYjAmQFnQSKWUcDesU"
    "uCRORWzSlapkjIRZB89pWvl+A0UW9yHcJBANRlv55Igr0EyQYa8G8N7Bqthjn3hcAiMiKX"
    "xymVhZlH00pkbtlVmMpeIkXEgpTHKhV/wgtadTK6EzBH6/hyivPtZjC6ZJPDPEbXDhorfg"
    "LfHactirHmsZxzInxnbxnjubqCxgvj8WdCqN4D0F0SRdUcJ4ts3BTWrfps3CKjcBk73ott"
    "ayJiO1hTlPLqpvcg1N5otSM/oxQj5Yj76XuhX5Hq+D1oWZwgvAs1wzWLpxu05u/AvntcwM"
    "XtHme6uLiKEpiqLqjXTrPxTUrxh/PxUZHICNQqE2m/jkh56mka8hMtSuzkFDy7GZ5lXIgH"
    "oPMmpeHv08R8FMF5cN37/cfEnHQ1Hl1GzWPwD67GfQL1xgS2748eRFx7Q+LaRaB1ZDwlA6"
    "0HvdtB72L4VnHWU1s1HVXLCbMmWhzmcfLutu2OGXn/XFW8QSBh9TwQ8yZwnyz7gcXzi4lw"
    "GNBdPYXsPrPT9M8cc/RFriGfZF9DPkldQwaPOAmMjxAV4+/fEE/20GSrbk2Gl/LtdDgZXp"
    "xLOJu84wIb6Pcm2l1P724VhNHoEtehX+p6jqItVXOB6wfDyVT+LOMqDdguRDBhqZ/lmxu/"
    "eZCy5N6cDAdD+UvQexBT0yqh5OrDymeGpT0oSJMzmkPUhwvZzNg/kZKEemGwg90v1x19Xf"
    "Tnw0/tdqdz2v7UOTk77p6eHp99OkNt/S+crjrNi+eVL3FkbkIb6VDdwKbKDrKt9O4GWGsN"
    "TB0DyTjKboajC3l0eS6F8mj8jEef5cm1P34scw7tFR4tn3vyFS6aq9AoN1Kqz8qwVl8MS9"
    "WZFx1Sjgeqoe61/Y0T4DYM7WoIBUHX1IkumpqXls08ORBiYm4oPjeIYymuj6U23kAZRROy"
    "4py5yZqOc2BFV6S4jOC687luH6sKyG4OL7scEmx33KwalVckOmigEN2xM4hshhvT+CJ/CO"
    "ekM1ih7TKL97kR4I4N7RR6+U4n5+07nfTrd+bowQprkpaEUJMp0JJI15Kphfu0pDeT8cXd"
    "ACceDRNJ2Pdm/+6/uGDmveBPvbsLeTpGn1VPh66FSy6u5RH6rK+g2RRKzHGeLLsMJ0YINl"
    "lZZQfGcZGQMtQqe2Acp4LKoKPgc+pHyujITaGRkNthHo1oBRBpNATb0OQ9qEijwa2aS6XR"
    "EHeu2dJEkHeaywNGuUzNC2R1EgQ9YENt2aLwA2HNYR49oG7bNIYfyAw8oNIDlHCD0Pdo7o"
    "41CDZoH3VPu2edk+4mxmBTkhdaELkq2XTAI5p3qGmbs/3ymIjwyIt55HhQMSAcNucQ3aNC"
    "RMBRDhFwREvZarrUGzS/3I5HmYc/Lv36jA41V/pHMqBTJDSpaWjngIvBSLhgqesd5E0Owr"
    "fCHfRppwi7ZLu//R9tEw9h"
)
