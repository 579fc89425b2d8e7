"""Schemathesis hooks: every secured request carries a real producer's access token, and the
account administration operations an admin's.

Loaded by `st run` through SCHEMATHESIS_HOOKS; the test passes the server and the accounts in
the environment. The fuzzer's own two accounts are kept out of the administration operations'
reach (a path naming one of them names a new id instead): deactivating or demoting them would
end the run, not test the API. When an operation that ends sessions (logout, logout-all, ending
a session by id) has succeeded, the token is dropped, so that the next request logs in again
instead of failing with 401 for the rest of the run. A well-formed Idempotency-Key is made
unique per request: the fuzzer reuses short keys with other bodies, which the API rightly
refuses (422), and replays are tested in tests/e2e/test_idempotency.py. The location operations
act on the producer's own organisation (a well-formed organisation id names it instead), so that
locations are made and the links from a new one are followed; a made-up organisation is only
ever a 404.
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


ADMIN_OPERATIONS = "users_"
LOCATION_OPERATIONS = "locations_"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _login(role: str) -> str:
    url = os.environ["AGROBRIDGE_FUZZ_URL"]
    response = httpx.post(
        url + "/api/v1/auth/login",
        json={
            "email": os.environ[f"AGROBRIDGE_FUZZ_{role.upper()}_EMAIL"],
            "password": os.environ["AGROBRIDGE_FUZZ_PASSWORD"],
        },
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    if role not in OWN_IDS:
        me = httpx.get(url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        me.raise_for_status()
        OWN_IDS[role] = me.json()["id"]
    return token


TOKEN: dict[str, str] = {}
OWN_IDS: dict[str, str] = {}


def _role(case: Case[Any]) -> str:
    op_id = str(case.operation.definition.raw.get("operationId", ""))
    return "admin" if op_id.startswith(ADMIN_OPERATIONS) else "producer"


@schemathesis.auth(refresh_interval=None)
class FuzzerSession:
    def get(self, case: Case[Any], context: AuthContext) -> str:
        role = _role(case)
        if role not in TOKEN:
            TOKEN[role] = _login(role)
        return TOKEN[role]

    def set(self, case: Case[Any], data: str, context: AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    ended = case.operation.definition.raw.get("operationId") in ENDS_SESSIONS
    if ended and response.status_code == 204:
        TOKEN.pop(_role(case), None)


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    target = (case.path_parameters or {}).get("user_id")
    if target is not None and str(target).lower() in OWN_IDS.values():
        case.path_parameters["user_id"] = str(uuid.uuid4())
    op_id = str(case.operation.definition.raw.get("operationId", ""))
    organisation = (case.path_parameters or {}).get("organisation_id")
    own = OWN_IDS.get("producer")
    # A malformed id stays, to be refused (400), but for a link schemathesis inferred from an
    # answer without one (it sends `None`).
    positive = UUID.fullmatch(str(organisation)) or (
        case.meta and case.meta.phase.name == "stateful"
    )
    if op_id.startswith(LOCATION_OPERATIONS) and own and organisation is not None and positive:
        case.path_parameters["organisation_id"] = own
