"""Schemathesis hooks: every secured request carries a real producer's access token.

Loaded by `st run` through SCHEMATHESIS_HOOKS; the test passes the server and the account in
the environment. When an operation that ends sessions (logout, logout-all, ending a session by
id) has succeeded, the token is dropped, so that the next request logs in again instead of
failing with 401 for the rest of the run. A well-formed Idempotency-Key is made unique per
request: the fuzzer reuses short keys with other bodies, which the API rightly refuses (422),
and replays are tested in tests/e2e/test_idempotency.py.
"""

import os
import re
import uuid
from typing import Any

import httpx
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.auths import AuthContext

ENDS_SESSIONS = frozenset({"auth_logout", "auth_logout_all", "sessions_end"})
VALID_KEY = re.compile(r"[!-~]{1,255}")


def _login() -> str:
    response = httpx.post(
        os.environ["AGROBRIDGE_FUZZ_URL"] + "/api/v1/auth/login",
        json={
            "email": os.environ["AGROBRIDGE_FUZZ_EMAIL"],
            "password": os.environ["AGROBRIDGE_FUZZ_PASSWORD"],
        },
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


TOKEN: dict[str, str] = {}


@schemathesis.auth(refresh_interval=None)
class ProducerSession:
    def get(self, case: Case[Any], context: AuthContext) -> str:
        if "access" not in TOKEN:
            TOKEN["access"] = _login()
        return TOKEN["access"]

    def set(self, case: Case[Any], data: str, context: AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    ended = case.operation.definition.raw.get("operationId") in ENDS_SESSIONS
    if ended and response.status_code == 204:
        TOKEN.pop("access", None)


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
