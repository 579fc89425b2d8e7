"""The release history that `just releases` shows, and who a rollback is recorded as: the
host's agrobridge-release script (ansible/roles/api/files), loaded as a module."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "ansible/roles/api/files/agrobridge_release.py"


@pytest.fixture(scope="module")
def release() -> ModuleType:
    spec = importlib.util.spec_from_file_location("agrobridge_release", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entry(image: str, kind: str = "deploy", result: str = "live", by: str = "ana@laptop") -> Any:
    return {
        "time": "2026-12-01T10:00:00Z",
        "kind": kind,
        "result": result,
        "color": "blue",
        "image": image,
        "commit": "c0ffee",
        "by": by,
    }


A, B = "a" * 64, "b" * 64


def test_a_release_that_went_live_again_marks_only_its_newest_line_live(
    release: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    history = [entry(A), entry(B), entry(B, result="rolled-back"), entry(A, kind="rollback")]
    release.show(history, {"image": A})
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.endswith("<- live") for line in lines] == [False, False, False, True]


def test_no_line_is_marked_live_when_the_newest_live_release_is_not_what_serves(
    release: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    release.show([entry(A), entry(B)], {"image": A})
    assert "<- live" not in capsys.readouterr().out


def test_a_rollback_is_recorded_as_the_operator_who_ran_it_not_the_ssh_user(
    release: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUDO_USER", "admin")
    assert release.arguments(["rollback", "--by", "ana@laptop"]).by == "ana@laptop"
    assert release.arguments(["rollback", A, "--by", "ana@laptop"]).image == A
    assert release.arguments(["rollback"]).by == "admin"  # run by hand on the host


SITE = """upstream agrobridge_api {
    server 127.0.0.1:8001;
    server 127.0.0.1:8002 backup;
    keepalive 16;
}
"""


def test_a_switch_puts_the_new_release_first_and_keeps_the_old_one_as_backup(
    release: ModuleType,
) -> None:
    switched, found = release.with_upstream(SITE, 8002, 8001, 60)
    assert found == 1
    assert switched.splitlines()[1:4] == [
        "    server 127.0.0.1:8002 max_fails=1 fail_timeout=60s;",
        "    server 127.0.0.1:8001 backup;",
        "    keepalive 16;",
    ]
    # A site rendered before the backup line existed is switched the same way.
    old = SITE.replace("    server 127.0.0.1:8002 backup;\n", "")
    assert release.with_upstream(old, 8002, 8001, 60) == (switched, 1)


def test_a_failed_release_is_explained_by_the_servers_own_error_lines(
    release: ModuleType,
) -> None:
    output = [
        '{"level":"INFO","message":"GET /api/v1/health/ready 200 2ms"}',
        '{"level":"ERROR","message":"database connection refused"}',
        "Traceback (most recent call last):",
        '  File "/app/api/app.py", line 1, in <module>',
        "RuntimeError: fatal",
        '{"level":"INFO","message":"server stopped"}',
        "",
    ]
    assert release.last_errors(output) == (
        '{"level":"ERROR","message":"database connection refused"} | '
        "Traceback (most recent call last): | "
        'File "/app/api/app.py", line 1, in <module> | RuntimeError: fatal'
    )
    # No error among them: the last lines it wrote.
    quiet = ['{"level":"INFO","message":"a"}', '{"level":"WARNING","message":"b"}']
    assert release.last_errors(quiet) == " | ".join(quiet)
