"""The SQL a repository sends, caught at the database client: for EXPLAIN of exactly the
statement a read makes (the plan tests and `just bench-scale`)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from api.infrastructure.db.values import as_json


class SentSql:
    """The last statement and parameters the client sent, EXPLAIN's own left out."""

    def __init__(self) -> None:
        self.sent: tuple[str, list[Any]] | None = None

    def last(self) -> tuple[str, list[Any]]:
        if self.sent is None:
            raise AssertionError("no SQL was sent")
        return self.sent


@contextmanager
def catching() -> Iterator[SentSql]:
    seen = SentSql()
    client_class = type(connections.get("default"))
    originals = {
        name: getattr(client_class, name) for name in ("execute_query", "execute_query_dict")
    }

    def wrap(original: Any) -> Any:
        async def call(client: Any, query: str, values: list[Any] | None = None) -> Any:
            if not query.startswith("EXPLAIN"):
                seen.sent = (query, list(values or []))
            return await original(client, query, values)

        return call

    for name, original in originals.items():
        setattr(client_class, name, wrap(original))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)


async def explain(sql: str, params: list[Any], *settings: str) -> dict[str, Any]:
    """The plan (EXPLAIN, JSON) of `sql`, with each of `settings` (e.g. enable_seqscan) off."""
    async with in_transaction("default") as connection:
        for setting in settings:
            await connection.execute_script(f"SET LOCAL {setting} = off")
        rows = await connection.execute_query_dict("EXPLAIN (FORMAT JSON) " + sql, params)
    (plan,) = as_json(rows[0]["QUERY PLAN"])
    return dict(plan["Plan"])


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a plan, top down."""
    out = [plan]
    for child in plan.get("Plans", ()):
        out += nodes(child)
    return out


def summary(node: dict[str, Any]) -> str:
    """A plan on one line, children in brackets: `Limit[Index Scan batches (idx)]`."""
    name = str(node["Node Type"])
    if "Relation Name" in node:
        name += f" {node['Relation Name']}"
    if "Index Name" in node:
        name += f" ({node['Index Name']})"
    children = node.get("Plans", [])
    return name + ("[" + ", ".join(summary(c) for c in children) + "]" if children else "")
