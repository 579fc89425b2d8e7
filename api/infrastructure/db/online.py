"""Schema changes on tables the API writes to while a release migrates them: nothing here takes
a lock that makes the API's writes wait (docs/architecture.md, "Migrations on big tables")."""

from tortoise import BaseDBAsyncClient

_FIND = (
    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace"
)


async def create_index_concurrently(
    db: BaseDBAsyncClient, name: str, definition: str, *, unique: bool = False
) -> None:
    """`CREATE [UNIQUE] INDEX CONCURRENTLY name definition`: writes go on while it builds. A
    build that was interrupted leaves the index invalid (unused by reads, yet kept up to date by
    every write), so it is dropped and built again. Runs outside a transaction: the migration that
    calls it sets `RUN_IN_TRANSACTION = False`."""
    _, rows = await db.execute_query(_FIND, [name])
    if rows and rows[0]["indisvalid"]:
        return
    if rows:
        await db.execute_script(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
    kind = "UNIQUE INDEX" if unique else "INDEX"
    await db.execute_script(f'CREATE {kind} CONCURRENTLY "{name}" {definition}')
