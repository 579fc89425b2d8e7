"""The least an authenticated batch read can cost here: bare Sanic, asyncpg, redis-py, PyJWT.

No ORM, no middleware, no logging or metrics, but the same work per request as the API: an
RS256 token checked for signature, expiry, issuer and audience (a verified token is
remembered until it expires, as the API does), one Redis round trip running the API's own
rate-limit, deny-list and kept-role script, one PostgreSQL row by id with the owner checked,
JSON out.
The benchmark runs it beside the API so that the cost of our layers is a ratio, whatever the
machine. Configured by environment: DATABASE_URL, REDIS_URL, REFERENCE_PUBLIC_KEY_FILE.
"""

import os
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import jwt
from redis.asyncio import Redis
from sanic import Request, Sanic, json
from sanic.response import HTTPResponse

from api.infrastructure.cache.guard import EPOCH_KEY, GUARD_LUA

QUERY = """
SELECT id, code, owner_id, product, variety, origin_farm, origin_region, origin_country,
       harvest_date, quantity, unit, status, created_at, updated_at
FROM batches WHERE id = $1
"""
PER_MINUTE = 100_000_000
INTERVAL_US = max(1, 60_000_000 // PER_MINUTE)


def create_app() -> Sanic:  # type: ignore[type-arg]
    app: Sanic = Sanic("reference")  # type: ignore[type-arg]
    verified: dict[str, dict[str, Any]] = {}

    @app.before_server_start
    async def connect(app: Sanic) -> None:  # type: ignore[type-arg]
        app.ctx.pool = await asyncpg.create_pool(
            os.environ["DATABASE_URL"], min_size=2, max_size=10
        )
        app.ctx.redis = Redis.from_url(os.environ["REDIS_URL"])
        app.ctx.guard = app.ctx.redis.register_script(GUARD_LUA)
        app.ctx.key = Path(os.environ["REFERENCE_PUBLIC_KEY_FILE"]).read_bytes()  # noqa: ASYNC240

    def claims_of(request: Request) -> dict[str, Any] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims = verified.get(token)
        if claims is not None and time.time() < claims["exp"]:
            return claims
        try:
            claims = jwt.decode(
                token,
                request.app.ctx.key,
                algorithms=["RS256"],
                audience="agrobridge-api",
                issuer="agrobridge",
            )
        except jwt.InvalidTokenError:
            return None
        verified[token] = claims
        return claims

    @app.get("/api/v1/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/api/v1/batches/<batch_id:str>")
    async def read(request: Request, batch_id: str) -> HTTPResponse:
        claims = claims_of(request)
        if claims is None:
            return json({"error": "unauthorized"}, status=401)
        keys = [f"rl:user:{claims['sub']}", f"deny:jti:{claims['jti']}"]
        member = f"member:{claims.get('org', claims['sub'])}:{claims['sub']}"
        keys += [f"deny:sid:{claims['sid']}", EPOCH_KEY, member]
        args = [1, len(keys), INTERVAL_US, INTERVAL_US * PER_MINUTE, claims["iat"], 2]
        args.append(claims.get("epo", ""))
        # The caller's kept role comes back too; this read needs none (the token names the
        # organisation that must own the lot).
        [[allowed, _, _, _, revoked, _]] = await request.app.ctx.guard(keys=keys, args=args)
        if revoked or not allowed:
            return json({"error": "unauthorized"}, status=401)
        row = await request.app.ctx.pool.fetchrow(QUERY, UUID(batch_id))
        # Lots belong to organisations: the token names the caller's.
        if row is None or str(row["owner_id"]) != claims.get("org"):
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
