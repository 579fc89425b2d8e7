"""Schemathesis, generating requests from the served document, finds nothing to report.

Every check runs, in every phase (the document's examples, boundary coverage, random fuzzing
and stateful sequences that follow the links from a created batch), within a time budget.
AGROBRIDGE_FUZZ_SECONDS sets the budget and AGROBRIDGE_FUZZ_SEED replays a run; both are
printed, with the reproduction commands of any failure.
"""

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.contract.conftest import new_account
from tests.e2e.conftest import PASSWORD
from tests.support.server import RunningServer, run_module

HERE = Path(__file__).parent
DEFAULT_BUDGET_SECONDS = 120
# Operations that check a credential the fuzzer cannot know (a password, a refresh token): they
# answer it 401 or 403 nearly always, and schemathesis lists them as if authentication failed.
CREDENTIAL_OPERATIONS = {
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/password",
    "POST /api/v1/auth/token",
}


def seen_statuses(har: Path, document: dict[str, Any]) -> dict[str, set[str]]:
    """Each documented operation's statuses that the fuzzer's requests got, from its HAR log."""
    shapes = [
        (
            re.compile("^" + "[^/]+".join(map(re.escape, re.split(r"\{[^}]+\}", path))) + "/?$"),
            method,
            op,
        )
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    seen: dict[str, set[str]] = {}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        method, path = entry["request"]["method"].lower(), urlsplit(entry["request"]["url"]).path
        for shape, op_method, op in shapes:
            if op_method == method and shape.match(path):
                seen.setdefault(op["operationId"], set()).add(str(entry["response"]["status"]))
                break
    return seen


def test_schemathesis_finds_no_failure(
    contract_server: RunningServer,
    document: dict[str, Any],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    budget = int(os.environ.get("AGROBRIDGE_FUZZ_SECONDS", DEFAULT_BUDGET_SECONDS))
    seed = int(os.environ.get("AGROBRIDGE_FUZZ_SEED", random.randrange(2**32)))
    email, password = new_account(contract_server.url)
    # Admins are made by the operator command only.
    admin_email = f"admin-{email}"
    made = run_module(
        ["create-user", admin_email, "--role", "admin", "--full-name", "Ada", "--password-stdin"],
        {"DATABASE_URL": database_url},
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        contract_server.url + "/docs/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        str(budget),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--report",
        "junit,har",
        "--report-dir",
        str(tmp_path),
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract.fuzz_hooks",
        "AGROBRIDGE_FUZZ_URL": contract_server.url,
        "AGROBRIDGE_FUZZ_PRODUCER_EMAIL": email,
        "AGROBRIDGE_FUZZ_ADMIN_EMAIL": admin_email,
        "AGROBRIDGE_FUZZ_PASSWORD": password,
        "PYTHONPATH": str(HERE.parent.parent),
    }
    with capsys.disabled():
        print(
            f"\nschemathesis: budget {budget} s, seed {seed} (AGROBRIDGE_FUZZ_SEED={seed} replays)"
        )
    run = subprocess.run(  # in tmp_path: schemathesis keeps a cache where it runs
        command,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=budget + 240,
        check=False,
    )
    output = run.stdout + run.stderr
    (tmp_path / "schemathesis.log").write_text(output)
    if os.environ.get("AGROBRIDGE_FUZZ_LOG"):
        Path(os.environ["AGROBRIDGE_FUZZ_LOG"]).write_text(output)
    summary = re.search(r"Test cases:\s*\n\s*(.+)", output)
    declared = {
        op["operationId"]: set(op["responses"])
        for item in document["paths"].values()
        for op in item.values()
    }
    seen = {}
    for har in tmp_path.glob("har-*.json"):
        seen = seen_statuses(har, document)
    pairs = sum(len(seen.get(op, set()) & statuses) for op, statuses in declared.items())
    with capsys.disabled():
        print(f"schemathesis: {summary.group(1) if summary else 'no summary'} (seed {seed})")
        print(
            f"schemathesis: {len(seen)} of {len(declared)} operations answered;"
            f" {pairs} of {sum(map(len, declared.values()))} declared operation/status pairs seen"
        )
        for op_id in sorted(declared):
            print(f"  {op_id}: {', '.join(sorted(seen.get(op_id, set()))) or '-'}")
    assert run.returncode == 0, output[-20000:]
    # Only the credential operations may answer nothing but 401 (the fuzzer's tokens are made
    # up); any other operation listed means the fuzzer never got past authentication.
    only_401 = re.search(r"401 NotAuthenticated \(\d+ operations?\):\n((?:\s+- .+\n)+)", output)
    listed = set(re.findall(r"- (\S+ \S+)", only_401.group(1))) if only_401 else set()
    assert listed <= CREDENTIAL_OPERATIONS, output[-20000:]
