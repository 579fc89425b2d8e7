"""The release history that `just releases` shows, who a rollback is recorded as, nginx's
upstream on a switch and the reason a failed release records: the host's agrobridge-release
script (ansible/roles/api/files), loaded as a module."""

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
    # Idle connections kept open per nginx worker.
    keepalive 16;
    keepalive_timeout 4s;
}
"""


def switched(release: ModuleType, site: str, port: int, standby: int | None) -> str:
    lines = release.upstream_servers(port, standby)
    after, found = release.UPSTREAM.subn(lambda m: m.group(1) + lines, site)
    assert found == 1
    return str(after)


def test_a_switch_keeps_the_old_release_as_the_backup_server(release: ModuleType) -> None:
    after = switched(release, SITE, 8002, 8001)
    assert "    server 127.0.0.1:8002;\n    server 127.0.0.1:8001 backup max_fails=0;\n" in after
    assert after.endswith("    # Idle connections kept open per nginx worker.\n    keepalive 16;\n"
                          "    keepalive_timeout 4s;\n}\n")  # fmt: skip


def test_switching_back_after_a_failure_leaves_the_old_release_alone(
    release: ModuleType,
) -> None:
    with_backup = switched(release, SITE, 8002, 8001)
    assert switched(release, with_backup, 8001, None) == SITE


def line(level: str, message: str) -> str:
    return f'{{"ts":"2026-12-06T10:00:00Z","level":"{level}","message":"{message}"}}'


def test_a_failed_release_is_explained_by_the_servers_own_error_lines(
    release: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = [
        line("INFO", "starting"),
        line("ERROR", "settings refused: AGROBRIDGE_DATABASE_URL is missing"),
        "Traceback (most recent call last):",
        line("INFO", "stopping"),
    ]
    shown = release.subprocess.CompletedProcess([], 0, "\n".join(output) + "\n", "")
    monkeypatch.setattr(release, "run", lambda *_args, **_kw: shown)
    reason = release.server_lines("agrobridge-api-blue", 0)
    assert "AGROBRIDGE_DATABASE_URL is missing" in reason
    assert "Traceback" in reason
    assert "starting" not in reason


def test_without_error_lines_the_reason_is_the_servers_last_lines(
    release: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = [line("INFO", f"line {n}") for n in range(12)]
    shown = release.subprocess.CompletedProcess([], 0, "\n".join(output), "")
    monkeypatch.setattr(release, "run", lambda *_args, **_kw: shown)
    reason = release.server_lines("agrobridge-api-blue", 0)
    assert "line 11" in reason
    assert "line 3" not in reason
