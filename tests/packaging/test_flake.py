"""What can be checked of flake.nix without downloading nixpkgs: it parses, and it defines the
outputs the docs promise (a dev shell, the package, the image)."""

import shutil
import subprocess
from pathlib import Path

import pytest

FLAKE = Path(__file__).resolve().parents[2] / "flake.nix"


def parsed() -> str:
    nix = shutil.which("nix-instantiate")
    if nix is None:
        pytest.fail("nix-instantiate is not installed: apt-get install nix-bin", pytrace=False)
    result = subprocess.run(
        [nix, "--parse", str(FLAKE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_flake_parses_and_defines_the_promised_outputs() -> None:
    text = parsed()
    for output in ("devShells", "packages", "checks", "formatter"):
        assert f"{output} =" in text
    for name in ("default =", "image =", "mkVirtualEnv", "buildLayeredImage"):
        assert name in text


def test_every_input_follows_the_one_pinned_nixpkgs() -> None:
    text = FLAKE.read_text()
    assert 'nixpkgs.url = "github:NixOS/nixpkgs/' in text
    follows = text.count('inputs.nixpkgs.follows = "nixpkgs"')
    assert follows == 3
