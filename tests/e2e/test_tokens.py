"""Only access tokens this API signed, unexpired and unaltered, get through."""

import asyncio
import base64
import hmac
import json
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from api.infrastructure.security.keys import load_private_key, thumbprint
from tests.e2e.conftest import assert_error, batch_body, server_env, sign_up, user_id
from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server, run_module

pytestmark = pytest.mark.e2e


def claims_for(subject: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "agrobridge",
        "aud": "agrobridge-api",
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "sid": str(uuid.uuid4()),
        "typ": "access",
        "role": "producer",
    }
    claims.update(overrides)
    return claims


def sign(claims: dict[str, Any], key_file: Path) -> str:
    key = load_private_key(key_file)
    kid = thumbprint(key.public_key())
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_crafted_with_the_real_key_is_accepted(
    client: httpx.Client, signing_key: Path
) -> None:
    subject = user_id(client, sign_up(client))
    assert me(client, sign(claims_for(subject), signing_key)).status_code == 200


def forged_with_another_key(subject: str, key_file: Path) -> str:
    real_kid = thumbprint(load_private_key(key_file).public_key())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims_for(subject), other, algorithm="RS256", headers={"kid": real_kid})


def alg_none(subject: str, key_file: Path) -> str:
    kid = thumbprint(load_private_key(key_file).public_key())
    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(claims_for(subject))}."


def hs256_with_public_key(subject: str, key_file: Path) -> str:
    public = load_private_key(key_file).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": thumbprint(public)}
    signing_input = f"{b64(header)}.{b64(claims_for(subject))}".encode()
    mac = hmac.new(pem, signing_input, sha256).digest()
    return signing_input.decode() + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def tampered(subject: str, key_file: Path) -> str:
    header, _, signature = sign(claims_for(subject), key_file).split(".")
    return f"{header}.{b64(claims_for(subject, role='admin'))}.{signature}"


def signed(**overrides: Any) -> Callable[[str, Path], str]:
    return lambda subject, key_file: sign(claims_for(subject, **overrides), key_file)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(forged_with_another_key, id="forged"),
        pytest.param(signed(exp=datetime.now(UTC) - timedelta(minutes=1)), id="expired"),
        pytest.param(signed(aud="someone-else"), id="wrong-audience"),
        pytest.param(signed(iss="https://evil.example"), id="wrong-issuer"),
        pytest.param(signed(typ="refresh"), id="not-an-access-token"),
        pytest.param(alg_none, id="alg-none"),
        pytest.param(hs256_with_public_key, id="hs256-with-public-key"),
        pytest.param(tampered, id="tampered"),
    ],
)
def test_tokens_that_are_not_ours_or_no_longer_valid_are_refused(
    client: httpx.Client, signing_key: Path, make: Callable[[str, Path], str]
) -> None:
    subject = user_id(client, sign_up(client))
    assert_error(me(client, make(subject, signing_key)), 401, "unauthorized")


def test_tokens_signed_before_a_key_rotation_stay_valid(
    client: httpx.Client,
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path: Path,
) -> None:
    auth = sign_up(client)
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    rotated_key = keys / "jwt-signing.pem"
    shutil.copy2(signing_key, rotated_key)
    env = server_env(database_url, backends.redis_url, rotated_key)
    rotated = run_module(["rotate-keys"], env)
    assert rotated.returncode == 0, rotated.stderr

    with api_server(env, tmp_path / "api.log", workers=1) as after:
        assert after_rotation(after, auth).status_code == 200
        kids = {k["kid"] for k in httpx.get(after.url + "/.well-known/jwks.json").json()["keys"]}
        assert kids == {kid_of(signing_key), kid_of(rotated_key)}


def after_rotation(server: RunningServer, auth: dict[str, str]) -> httpx.Response:
    return httpx.get(server.url + "/api/v1/auth/me", headers=auth)


def kid_of(key_file: Path) -> str:
    return thumbprint(load_private_key(key_file).public_key())


async def delete_user(owner_database_url: str, account: str) -> None:
    connection = await asyncpg.connect(owner_database_url)
    try:
        # The account as a whole: the person, their own organisation and their place in it.
        user = uuid.UUID(account)
        await connection.execute("DELETE FROM memberships WHERE user_id = $1", user)
        await connection.execute("DELETE FROM organisations WHERE id = $1", user)
        await connection.execute("DELETE FROM users WHERE id = $1", user)
    finally:
        await connection.close()


def test_a_token_whose_account_no_longer_exists_is_refused_not_a_crash(
    client: httpx.Client, owner_database_url: str
) -> None:
    # As after a restore to a time before the account was made: the token outlives its user.
    auth = sign_up(client)
    asyncio.run(delete_user(owner_database_url, user_id(client, auth)))
    created = client.post("/batches", json=batch_body(), headers=auth)
    error = assert_error(created, 401, "unauthorized")
    assert "no longer exists" in error["message"]
    assert created.headers["WWW-Authenticate"] == "Bearer"
