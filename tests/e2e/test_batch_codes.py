"""Server-made batch codes are random and check-digited; clients cannot take them."""

import httpx
import pytest

from api.domain.batch_codes import is_valid_server_code
from tests.e2e.conftest import assert_error, batch_body, sign_up

pytestmark = pytest.mark.e2e


def test_server_made_codes_are_check_digited_and_not_a_sequence(client: httpx.Client) -> None:
    auth = sign_up(client)
    codes = [client.post("/batches", json=batch_body(), headers=auth).json()["code"] for _ in "ab"]

    assert all(is_valid_server_code(code) for code in codes), codes
    assert codes[0] != codes[1]
    # No shared prefix beyond the namespace: nothing counts up.
    assert codes[0][:8] != codes[1][:8] or codes[0][8:] != codes[1][8:]


@pytest.mark.parametrize("code", ["AGB-2026-000006", "AGB-7K3M-Q9XD-2F4A"])
def test_a_client_cannot_take_a_code_in_the_servers_namespace(
    client: httpx.Client, code: str
) -> None:
    auth = sign_up(client)
    refused = client.post("/batches", json=batch_body(code=code), headers=auth)

    error = assert_error(refused, 422, "validation_error")
    assert error["details"][0]["field"] == "code"
