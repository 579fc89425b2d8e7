"""Passwords after NIST SP 800-63B and emails that cannot shadow others (docs/security.md)."""

import asyncio
import unicodedata
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher

from tests.e2e.conftest import assert_error

pytestmark = pytest.mark.e2e


def email() -> str:
    return f"pw-{uuid.uuid4().hex[:10]}@example.com"


def register(
    client: httpx.Client, address: str, password: str, name: str = "Pat"
) -> httpx.Response:
    body = {"email": address, "password": password, "full_name": name}
    return client.post("/auth/register", json=body)


def login(client: httpx.Client, address: str, password: str) -> int:
    return client.post("/auth/login", json={"email": address, "password": password}).status_code


@pytest.mark.parametrize(
    ("local", "name", "password"),
    [
        ("pat", "Pat", "my agrobridge password"),
        ("marguerite", "Pat", "marguerite likes tea"),
        ("pat", "Bartholomew Quince", "quince and custard pie"),
    ],
)
def test_passwords_made_of_the_context_are_refused(
    client: httpx.Client, local: str, name: str, password: str
) -> None:
    address = f"{local}.{uuid.uuid4().hex[:6]}@example.com"
    error = assert_error(register(client, address, password, name), 422, "validation_error")
    assert error["details"][0]["field"] == "password"


def test_a_password_typed_in_another_unicode_form_is_the_same_password(
    client: httpx.Client,
) -> None:
    address = email()
    # What an East Asian keyboard may send: the same letters in their full-width forms.
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "correct horse battery 9")
    assert register(client, address, fullwidth).status_code == 201
    assert login(client, address, "correct horse battery 9") == 200
    assert login(client, address, fullwidth) == 200


def test_spaces_around_a_password_are_part_of_it(client: httpx.Client) -> None:
    address = email()
    assert register(client, address, "  tea by the lighthouse  ").status_code == 201
    assert login(client, address, "tea by the lighthouse") == 401
    assert login(client, address, "  tea by the lighthouse  ") == 200


async def legacy_user(database_url: str, address: str, password: str) -> None:
    """An account as the API stored it before normalisation: the password hashed as typed."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO users (id, email, full_name, role, password_hash, is_active,"
            " created_at, updated_at) VALUES ($1, $2, 'Old', 'producer', $3, true, $4, $4)",
            uuid.uuid4(),
            address,
            PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(password),
            now,
        )
    finally:
        await connection.close()


async def stored_hash(database_url: str, address: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        value: str = await connection.fetchval(
            "SELECT password_hash FROM users WHERE email = $1", address
        )
        return value
    finally:
        await connection.close()


def test_hashes_made_before_normalisation_are_upgraded_at_login(
    client: httpx.Client, database_url: str
) -> None:
    address = email()
    typed_on_a_mac = unicodedata.normalize("NFD", "café crème brûlée")
    asyncio.run(legacy_user(database_url, address, typed_on_a_mac))
    before = asyncio.run(stored_hash(database_url, address))

    assert login(client, address, typed_on_a_mac) == 200

    assert asyncio.run(stored_hash(database_url, address)) != before
    # Now the composed form, as another keyboard types it, works too.
    assert login(client, address, unicodedata.normalize("NFC", "café crème brûlée")) == 200


@pytest.mark.parametrize(
    "local",
    ["ana\u200bmaria", "\u0430namaria", "ana\u00admaria"],
    ids=["zero-width space", "cyrillic a", "soft hyphen"],
)
def test_look_alike_emails_are_refused(client: httpx.Client, local: str) -> None:
    address = f"{local}{uuid.uuid4().hex[:6]}@example.com"
    refused = register(client, address, "a perfectly fine passphrase")
    error = assert_error(refused, 422, "validation_error")
    assert error["details"][0]["field"] == "email"


def test_an_international_domain_is_one_account_in_either_form(client: httpx.Client) -> None:
    local = f"ana{uuid.uuid4().hex[:6]}"
    made = register(client, f"{local}@Bücher.example", "a perfectly fine passphrase")
    assert made.status_code == 201, made.text
    assert made.json()["email"] == f"{local}@xn--bcher-kva.example"

    again = register(client, f"{local}@xn--bcher-kva.example", "a perfectly fine passphrase")
    assert_error(again, 409, "conflict")
    assert login(client, f"{local}@bücher.example", "a perfectly fine passphrase") == 200
