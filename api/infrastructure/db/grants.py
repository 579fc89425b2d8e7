"""Least privilege for the API's database role: it owns nothing and may only do what it needs.

Migrations run as the owner of the tables; afterwards the owner grants the runtime role (named
by AGROBRIDGE_DB_RUNTIME_ROLE) exactly these rights, recomputed on every migrate so that new
tables are covered and stray grants are taken back.
"""

import re

from tortoise import BaseDBAsyncClient

# History: the API may add to it and read it, never change it.
APPEND_ONLY_TABLES = frozenset(
    {"audit_logs", "batch_events", "epcis_captures", "epcis_events", "webhook_events"}
)
# Aerich's bookkeeping is the migrations' business, not the API's.
PRIVATE_TABLES = frozenset({"aerich"})
# A member who leaves or is removed is deleted (the audit trail keeps that they were one), as is
# a webhook its owner deletes (with its deliveries: the foreign key cascades).
DELETABLE_TABLES = frozenset({"memberships", "webhook_subscriptions"})
APPEND_ONLY_RIGHTS = "SELECT, INSERT"
TABLE_RIGHTS = "SELECT, INSERT, UPDATE"
DELETABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RuntimeRoleError(ValueError):
    pass


def quote_role(role: str) -> str:
    if not _ROLE_NAME.fullmatch(role):
        raise RuntimeRoleError(
            "AGROBRIDGE_DB_RUNTIME_ROLE: a role name is lower-case letters, digits and _"
        )
    return f'"{role}"'


async def grant_runtime_role(db: BaseDBAsyncClient, role: str) -> list[str]:
    """Give `role` the API's rights on every table of the public schema; return the statements."""
    quoted = quote_role(role)
    _, rows = await db.execute_query(
        "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
        " AND tableowner = rolname) AS owns FROM pg_roles WHERE rolname = $1",
        [role],
    )
    if not rows:
        raise RuntimeRoleError(f"AGROBRIDGE_DB_RUNTIME_ROLE: role {role} does not exist")
    if rows[0]["rolsuper"] or rows[0]["owns"]:
        raise RuntimeRoleError(
            f"AGROBRIDGE_DB_RUNTIME_ROLE: {role} is a superuser or owns tables; "
            "the API needs a role of its own"
        )
    # A partition is reached through its parent, whose grants cover it: it gets none itself.
    _, tables = await db.execute_query(
        "SELECT c.relname AS tablename, c.relispartition AS partition FROM pg_class c"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
        " ORDER BY c.relname"
    )
    _, sequences = await db.execute_query(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
    )
    statements = [
        f"REVOKE ALL ON SCHEMA public FROM {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
    ]
    for row in tables:
        table = row["tablename"]
        statements.append(f'REVOKE ALL ON TABLE "{table}" FROM {quoted}')
        if table in PRIVATE_TABLES or row["partition"]:
            continue
        rights = TABLE_RIGHTS
        if table in APPEND_ONLY_TABLES:
            rights = APPEND_ONLY_RIGHTS
        elif table in DELETABLE_TABLES:
            rights = DELETABLE_RIGHTS
        statements.append(f'GRANT {rights} ON TABLE "{table}" TO {quoted}')
    for row in sequences:
        sequence = row["sequencename"]
        statements.append(f'REVOKE ALL ON SEQUENCE "{sequence}" FROM {quoted}')
        statements.append(f'GRANT USAGE, SELECT ON SEQUENCE "{sequence}" TO {quoted}')
    # One script, so one transaction (PostgreSQL runs a multi-statement query as one): the API,
    # which serves while a release migrates, never sees a table between its REVOKE and GRANT.
    await db.execute_script(";\n".join(statements))
    return statements
