"""Schemathesis, generating requests from the served document, finds nothing to report.

Every check runs, in every phase (the document's examples, boundary coverage, random fuzzing
and stateful sequences that follow the links from a created batch), within a time budget.
AGROBRIDGE_FUZZ_SECONDS sets the budget and AGROBRIDGE_FUZZ_SEED replays a run; both are
printed, with the reproduction commands of any failure.
"""

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import new_account
from tests.support.server import RunningServer

HERE = Path(__file__).parent
DEFAULT_BUDGET_SECONDS = 120
CREDENTIAL_OPERATIONS = {"POST /api/v1/auth/login", "POST /api/v1/auth/refresh"}


def test_schemathesis_finds_no_failure(
    contract_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    budget = int(os.environ.get("AGROBRIDGE_FUZZ_SECONDS", DEFAULT_BUDGET_SECONDS))
    seed = int(os.environ.get("AGROBRIDGE_FUZZ_SEED", random.randrange(2**32)))
    email, password = new_account(contract_server.url)
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
        "junit",
        "--report-dir",
        str(tmp_path),
        "--no-color",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract.fuzz_hooks",
        "AGROBRIDGE_FUZZ_URL": contract_server.url,
        "AGROBRIDGE_FUZZ_EMAIL": email,
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
    summary = re.search(r"Test cases:\s*\n\s*(.+)", output)
    with capsys.disabled():
        print(f"schemathesis: {summary.group(1) if summary else 'no summary'} (seed {seed})")
    assert run.returncode == 0, output[-20000:]
    # Only the credential operations may answer nothing but 401 (the fuzzer's tokens are made
    # up); any other operation listed means the fuzzer never got past authentication.
    only_401 = re.search(r"401 Unauthorized \(\d+ operations?\):\n((?:\s+- .+\n)+)", output)
    listed = set(re.findall(r"- (\S+ \S+)", only_401.group(1))) if only_401 else set()
    assert listed <= CREDENTIAL_OPERATIONS, output[-20000:]
