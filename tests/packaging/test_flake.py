"""What can be checked of flake.nix without downloading nixpkgs: it parses, and it defines the
outputs the docs promise (a dev shell, the package, the image)."""

import re
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


def test_the_nix_image_is_the_containerfiles_runtime_image() -> None:
    """Both images run the same way: tini as PID 1, one user, port, stop signal, label set,
    and the tag scripts/build-image.sh gives (the project's version)."""
    root = FLAKE.parent
    runtime = (root / "containers" / "Containerfile").read_text().split("AS runtime", 1)[1]
    flake = FLAKE.read_text()
    labels = set(re.findall(r"(org\.opencontainers\.image\.[a-z.]+)=", runtime))
    assert len(labels) == 7
    assert labels == set(re.findall(r'"(org\.opencontainers\.image\.[a-z.]+)" =', flake))
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/opt/venv/bin/python", "-m", "api"]' in runtime
    assert 'Entrypoint = [ "${pkgs.tini}/bin/tini" "--" "${venv}/bin/python" "-m" "api" ];' in flake
    assert "USER 10001:10001" in runtime
    assert 'uid = "10001";' in flake
    assert "EXPOSE 8000" in runtime
    assert 'ExposedPorts."8000/tcp"' in flake
    assert "STOPSIGNAL SIGTERM" in runtime
    assert 'StopSignal = "SIGTERM";' in flake
    assert "tag=agrobridge-api:$version" in (root / "scripts" / "build-image.sh").read_text()
    assert "tag = version;" in flake
    assert "(builtins.readFile ./pyproject.toml)).project.version" in flake
