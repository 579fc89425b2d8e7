"""The least an authenticated batch read can cost here: bare Sanic, asyncpg, redis-py, PyJWT.

No ORM, no middleware, no logging or metrics. The benchmark runs it beside the API so that
the cost of our layers is a ratio, whatever the machine. Configured by environment:
DATABASE_URL, REDIS_URL, REFERENCE_PUBLIC_KEY_FILE.
"""

import os
from pathlib import Path
from uuid import UUID

import asyncpg
import jwt
from redis.asyncio import Redis
from sanic import Request, Sanic, json
from sanic.response import HTTPResponse

QUERY = """
SELECT id, code, owner_id, product, variety, origin_farm, origin_region, origin_country,
       harvest_date, quantity, unit, status, created_at, updated_at
FROM batches WHERE id = $1
"""


def create_app() -> Sanic:  # type: ignore[type-arg]
    app: Sanic = Sanic("reference")  # type: ignore[type-arg]

    @app.before_server_start
    async def connect(app: Sanic) -> None:  # type: ignore[type-arg]
        app.ctx.pool = await asyncpg.create_pool(
            os.environ["DATABASE_URL"], min_size=2, max_size=10
        )
        app.ctx.redis = Redis.from_url(os.environ["REDIS_URL"])
        app.ctx.key = Path(os.environ["REFERENCE_PUBLIC_KEY_FILE"]).read_bytes()  # noqa: ASYNC240

    @app.get("/api/v1/batches/<batch_id:str>")
    async def read(request: Request, batch_id: str) -> HTTPResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token, request.app.ctx.key, algorithms=["RS256"], audience="agrobridge-api"
            )
        except jwt.InvalidTokenError:
            return json({"error": "unauthorized"}, status=401)
        if await request.app.ctx.redis.exists(f"deny:jti:{claims['jti']}"):
            return json({"error": "unauthorized"}, status=401)
        row = await request.app.ctx.pool.fetchrow(QUERY, UUID(batch_id))
        if row is None or str(row["owner_id"]) != claims["sub"]:
            return json({"error": "not_found"}, status=404)
        return json(
            {
                "id": str(row["id"]),
                "code": row["code"],
                "owner_id": str(row["owner_id"]),
                "product": row["product"],
                "variety": row["variety"],
                "origin": {
                    "farm": row["origin_farm"],
                    "region": row["origin_region"],
                    "country": row["origin_country"],
                },
                "harvest_date": row["harvest_date"].isoformat(),
                "quantity": f"{row['quantity']:.3f}",
                "unit": row["unit"],
                "status": row["status"],
                "created_at": row["created_at"].isoformat(),
                "updated_at": row["updated_at"].isoformat(),
            }
        )

    return app
