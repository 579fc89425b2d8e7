"""The patches of Sanic's and Tortoise's private parts: in one module, and only on the versions
they were tested on."""

import ast
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import api
from api.infrastructure import patches

ROOT = Path(__file__).resolve().parents[2]
# The package as imported: the checkout's, or the installed wheel's in the test image.
PACKAGE = Path(api.__file__).resolve().parent
LIBRARIES = ("sanic", "sanic_ext", "tortoise")


def test_the_installed_sanic_and_tortoise_are_the_versions_the_patches_were_tested_on():
    # Fails when uv.lock moves either library: read the patches against it, then list it.
    patches.check_versions()


def test_an_untested_version_is_refused_naming_what_is_installed_and_what_was_tested():
    def installed(name: str) -> str:
        return "26.0.0" if name == "sanic" else metadata.version(name)

    with pytest.raises(SystemExit) as refused:
        patches.check_versions(installed=installed)

    message = str(refused.value)
    assert "sanic 26.0.0 is installed" in message
    assert "tested on sanic 25.12.1" in message
    assert "tortoise-orm 1.1.9 is installed" not in message


def test_every_listed_version_is_accepted():
    tested = {"sanic": ("25.12.1", "25.12.2")}
    patches.check_versions(tested, installed=lambda name: "25.12.2")


def test_the_api_refuses_to_start_on_an_untested_sanic(tmp_path: Path):
    # A distribution record found before the real one: Python reports that version for sanic.
    record = tmp_path / "sanic-26.0.0.dist-info"
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: sanic\nVersion: 26.0.0\n")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "AGROBRIDGE_ENV": "development",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "refusing to start" in done.stderr
    assert "sanic 26.0.0 is installed, but they were tested on sanic 25.12.1" in done.stderr


def patched_outside(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """Assignments to attributes of what a module imported from Sanic or Tortoise, and
    setattr calls on them."""
    tree = ast.parse(path.read_text(), str(path))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            imported.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] in LIBRARIES
            )
    found: list[str] = []
    for node in ast.walk(tree):
        targets: list[ast.expr]
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target] if isinstance(node.target, ast.Attribute) else []
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
            targets = node.args[:1]
        else:
            continue
        for target in targets:
            base: ast.expr = target
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in imported:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_sanic_and_tortoise_are_patched_in_one_module_only():
    modules = [path for path in PACKAGE.rglob("*.py") if path != Path(patches.__file__).resolve()]
    assert len(modules) > 100
    assert [place for path in modules for place in patched_outside(path)] == []


def test_the_patch_finder_sees_library_attributes_set_from_outside(tmp_path: Path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from sanic.worker.manager import WorkerManager\n"
        "import tortoise.backends.base.client as client\n"
        "WorkerManager.THRESHOLD = 900\n"
        "client.TransactionContextPooled.__aenter__ = None\n"
        "setattr(WorkerManager, 'wait_for_ack', None)\n"
        "settings = WorkerManager\n"
    )
    assert patched_outside(probe, tmp_path) == ["probe.py:3", "probe.py:4", "probe.py:5"]
