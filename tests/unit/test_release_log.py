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
