from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "refresh_tokens" ADD "ip" VARCHAR(45);
        ALTER TABLE "refresh_tokens" ADD "user_agent" VARCHAR(512);
        CREATE INDEX IF NOT EXISTS "idx_refresh_tok_user_id_e386fa" ON "refresh_tokens" ("user_id", "revoked_at");
        -- The audit trail is append-only: no role that owns or writes it may change history.
        CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_logs is append-only (% refused)', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$;
        CREATE TRIGGER audit_logs_no_update_or_delete BEFORE UPDATE OR DELETE ON "audit_logs"
            FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
        CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "audit_logs"
            FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS audit_logs_no_truncate ON "audit_logs";
        DROP TRIGGER IF EXISTS audit_logs_no_update_or_delete ON "audit_logs";
        DROP FUNCTION IF EXISTS audit_logs_append_only();
        DROP INDEX IF EXISTS "idx_refresh_tok_user_id_e386fa";
        ALTER TABLE "refresh_tokens" DROP COLUMN "ip";
        ALTER TABLE "refresh_tokens" DROP COLUMN "user_agent";"""


MODELS_STATE = (
    "eJztXW1vozoW/isRn2albtVJ0rRbrVbKC+1wp02qlM69e3dWyAEn8ZaYjDF90Wz/+9qGJG"
    "AgBSZpCcuXKtjnGHiOX46fc0x/KgvHgrZ73PUsRK+d2dh5Ui4aPxUMFpD9SKo+aihgudxU"
    "8gIKJraQB1zQsJ2ZKAYTlxJgUlYzBbYLWZEFXZOgJUUOZqXYs21e6JhMEOHZpsjD6IcHDe"
    "rMIJ1Dwir+9W9WjLAFn6HLL38qUwRtS/xWAOX3Q5bCheDzkkDXZbdwV3rB+wSN05eleFpF"
    "CLNHFBevR41omyZ1iMHa5G9Cd9kyBYS91l6aZg/Nof31drng8sEQTUe6hP/UotxY6d7fa4"
    "NLIcmtOTFMx/YWeCO9fKFzB6/FPQ9Zx1yH180ghgRQaIV6CX+0oEutivwOwQoo8eC6J1ib"
    "AgtOgWfzvqb8fephgUND3In/af8jeLSQmGEMR7pxp+qGoeTomiaDksGEMOWI/nz1290AIk"
    "oVfoP+l+74U6vzFwGB49IZEZUCLuVVKAIKjI35Nij7HTqK8oChRNECJiPta0hIW4HK8epH"
    "EcRXBRvIN6N5BeYKrvcFWNdu1Du9e3PLm1+47g9b4NTVVV7TFKUvUukn3x4Om5j8OWvdSO"
    "N3Tf/S4JeNP0dDVbbaWk7/kw87NtdRx8DOkwGsMCar4lWRGKFrs4bmlKxDKKzzCwMpGCYH"
    "YNU3h00Ez2C6i6LZnwOSimagIWHJHu4AB4eyAM+GDfGMztllp70F1m/dsUC205YGwDCoaY"
    "qqKMDBUiVAyoGypFYI6pJ12CjSrWYGpFvNVKR5VSLSSXPDmzgnTg4VQHn3/Rkt88DrS1cP"
    "1/ZpBlzbp6m48qoorp4LiQEYJgl+Szq+Ua3q4Xz6Ocs0waRSkRZ1UagJZG/q5p0poloVXP"
    "s+N88zYM2kUrEWdVGsF5AC7qPHkf7tbjRMRjqsI7vjyKSN/zZs5NJ94R3a/Ew8ZFOE3WN+"
    "24/Y/3CMIp75CutPN90/ZDP0r0c92ePjDfSYSfhmdPoQ2ijxggkwH54AsYxYjdN00mTjVY"
    "vmQi4BmM1JVvDG/P0CGqQHqDlPoUjWdUfb+JEJl4LvTI44T6ybBQPfJJB3OGMfhEn4Pi4F"
    "1HOlO+7wXjt9j5rr+FCuw2TjJM9StpLfzSL2NsYHvKlYEsfyzFw+WUilil7CyUkWL+HkJN"
    "1L4HVRlB8BQZC+5EE5pFI9t3cvIDsEzRA2poAs8gAtqVWwSzczod3cgnYzFW0CZzn5tZhi"
    "9br3PgE3HQ9TkmsqiWtWsZNnQTwdbxltBuYj3w3zsEhyoCUZa1lvW7jlADHfAjIPn0gg/v"
    "AApihp3RtAEy2AnYxhWE3Gz9c7DvQrhqDa1266158+t49aoqeyTTGiMNyD27Fpgb1Xivem"
    "Ym8hANbYAwBswji7FuiWeTpQvl5dNB5m37HOJv3v+Lp30bAnSoEJIgtTnE4Ux3jizf61CP"
    "Ib7ffDXuFLrkshgashl9kGY/VKu9PVsTq4aGxa+Y61oaGPu8M7jRmHrTAMe+wiZqWBeq19"
    "88UtaKNHX3qs/qb2db+N/0CT8rJ+d9hXr695ocmRsu3g6fJ6lJ0sDqUc2Q35kx3ZwFECIU"
    "+gPapZB9xLHXD3llZBM0c1azOX2sxh6jErXRfW2SVpV16zvsHRxVh2Cd84uJcOgWiGv8KX"
    "2HooIRqw5PcuJAFJfpiwbkqV9S6VgKc1dxzpVez92VtD38cbs04+1vq6TzcnBy9C2QB8rf"
    "VzVRK8kF6gffl1DG2QktASQK5vWqoW8q/7DPWM4ZQNjrnuPECcEvGRRY62BX6IL2xQLv3O"
    "8R8RZfd7JIGP7AF+ORhTB0w+NGAyBQtkv+Rc7iJK+13v3jOCsps8QjEsjTlw53mYt6hW5c"
    "JRu8++YvMNYkYo4I1HNWtvvNTeuOuvKUZxcye3UJu91GZnfkahjba7y112ySJHVbJvyHnM"
    "aeKoZm3lMlu5Jkb/L8xcJ8LXifAHnggf4jWyboJDKjXlu53y5VDVjG8GxjfUpyKEb7971+"
    "8O1G187z4ZTIn3TSAw48xwOn8p89Hvx16KlPl9ZK/XJOaHkpgY0ieHPORZJUMqZc5pKQ3d"
    "Rp/zU5rPFeYzsySRdNKTSDqxJBL4yDy2LYej384UirZQ5l6dmiXEdiL6/Z3BMBpe8To/+c"
    "kw5wDPRA6QOta1S03kAEFCEYOJa33Rbm+F+Bwtl37+UF/VvvmtmxA9FssU2v0ZiontmA8G"
    "s+QkySHqoZmGafJgkjUl8yKc5RRg2fz6GX+Iv/6t2Wy1zponrc75afvs7PT85JzJigeOV5"
    "1tMUlPu9KGetQavODg0/GWEFscyJyj7FYdDrTh1UUj0GfjZzS81MY3Yvw4eIrIgo+Wy64m"
    "0uqmAJUmp24JXmwHWLkXHVmvevvf3a/tNU1XxF89OJpuPeKLGFrSrXn3Mls6vM/NuvcM69"
    "R81nY+S2C1A0IrfND/MHF9k9EKd6vcOYz75LRWZGICmRXiGdNZLE7V7Z++qomlDyWW4IK5"
    "xHncz7VC5RiPVjPLSVUmtWU7HDuSNmU3NsRFDowjSmWmOQoivZczwcSxCxNLK90yY63cjk"
    "eD+746Zrtd8dUJSL7j3v0/ecHEe+FX3fuBpo/YtfiysMNLBjfakF1bC4TLsu113SeHFNn3"
    "SoplNlbRgXGaJcTOpNIHxmksyI5cg8eiHhNGR89hHR/glCU1rCeBPWGK+0J7tQK87xraG4"
    "2uI7ufniYRbcP7m57Kert0HDnOv9VsQxEDHNwetD4tWVkzx3bGWU6hhT5XV/wAWgU3zFJa"
    "rHy0qzhWCWfKqgLZPnmBLiTInCtJ/7nCrzna+k8rNjKloQVSY4qJrEBCJDFwOcq7UfXjiM"
    "3P7bP2eavTXocP1yXbooYrDyWdBXiExM356aqQSu2IZ3PE+aDKgXAgXkF09/LJO3ZHmphI"
    "nP7x4ZDK+397+GPcr2p8Zfj1f6qCy8A="
)
