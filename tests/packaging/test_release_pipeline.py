"""The release pipeline as far as it runs without GitHub: the workflows' promises (one digest from
staging to production, an approval gate, nothing cancelled halfway) and the step that turns an
environment's secrets into the files `just deploy` reads, checked with the real ansible-vault."""

import os
import secrets
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (from sanic-ext) ships no stubs

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CREDENTIALS = ROOT / "scripts" / "deploy-credentials.sh"
VAULT = ROOT / ".venv" / "bin" / "ansible-vault"


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def step_runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def downloads(job: dict[str, Any]) -> dict[str, str]:
    """The artifacts a job downloads, by name, and where to."""
    return {
        step["with"]["name"]: step["with"]["path"]
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/download-artifact@")
    }


def test_the_image_release_pushes_is_the_one_ci_built_once_and_tested() -> None:
    ci = workflow("ci.yml")["jobs"]
    # Built once, on the base that ships (the build script's default), and handed on.
    assert "scripts/build-image.sh" in step_runs(ci["image"])
    assert "--base-image" not in step_runs(ci["image"])
    assert "podman save" in step_runs(ci["image"])
    # The test job runs .ci/run on that very archive, then signs that it passed.
    assert ci["ci"]["needs"] == "image"
    archive = next(s for s in ci["ci"]["steps"] if "bash .ci/run" in s.get("run", ""))
    assert archive["env"]["AGROBRIDGE_CI_IMAGE_ARCHIVE"].startswith(downloads(ci["ci"])["image"])
    assert "AGROBRIDGE_CI_SIGNING_KEY=" in step_runs(ci["ci"])
    assert workflow("release.yml")["jobs"]["ci"]["secrets"] == "inherit"  # the signing key
    # `just ci` tests the archive it is given rather than building one.
    recipe = (ROOT / "Justfile").read_text().split("\nci base_image")[1].split("\n\n")[0]
    assert "AGROBRIDGE_CI_IMAGE_ARCHIVE" in recipe
    assert "export AGROBRIDGE_TEST_IMAGE=$image" in recipe
    # ... and, its last step, signs that it passed when given the key.
    assert recipe.rstrip().splitlines()[-2].strip().startswith('scripts/ci-attest.sh sign "$image"')

    release = (WORKFLOWS / "release.yml").read_text()
    assert "build-image.sh" not in release
    assert "podman build" not in release
    push = workflow("release.yml")["jobs"]["image"]
    assert push["needs"] == "ci"
    assert set(downloads(push)) == {"image", "ci-passed"}
    runs = step_runs(push)
    verify = runs.index("scripts/ci-attest.sh verify localhost/agrobridge-api:ci")
    assert runs.index("podman load") < verify < runs.index("podman push --digestfile")
    assert "podman push --digestfile digest localhost/agrobridge-api:ci" in runs


def test_production_deploys_the_digest_staging_passed_after_an_approval() -> None:
    jobs = workflow("release.yml")["jobs"]
    assert jobs["image"]["needs"] == "ci"
    assert jobs["image"]["outputs"]["digest"] == "${{ steps.push.outputs.digest }}"
    assert "podman push --digestfile" in step_runs(jobs["image"])
    staging, production = jobs["staging"], jobs["production"]
    assert staging["environment"]["name"] == "staging"
    # The approval is the production environment's required reviewers.
    assert production["environment"]["name"] == "production"
    assert set(production["needs"]) == {"image", "staging"}
    for job in (staging, production):
        assert job["env"]["DIGEST"] == "${{ needs.image.outputs.digest }}"
        assert 'podman pull "$IMAGE_NAME@$DIGEST"' in step_runs(job)
        assert "just smoke" in step_runs(job)
        # CI's attestation, where `just deploy` looks for it by default.
        assert downloads(job)["ci-passed"] == "build/ci-passed"
    assert "just deploy staging" in step_runs(staging)
    assert "just load" in step_runs(staging)
    assert "just deploy production --yes" in step_runs(production)


def test_releases_queue_instead_of_cancelling_each_other() -> None:
    release = workflow("release.yml")
    assert release["concurrency"]["cancel-in-progress"] is False
    assert release[True]["push"]["branches"] == ["develop"]  # YAML reads the key `on` as True


def test_every_push_and_pull_request_runs_what_ci_runs() -> None:
    ci = workflow("ci.yml")
    triggers = ci[True]
    assert {"push", "pull_request", "workflow_call"} <= set(triggers)
    assert "bash .ci/run" in step_runs(ci["jobs"]["ci"])
    assert "uses" in workflow("release.yml")["jobs"]["ci"]


def encrypted(text: str, password_file: Path, tmp_path: Path) -> str:
    plain = tmp_path / f"plain-{secrets.token_hex(4)}.yml"
    plain.write_text(text)
    subprocess.run(
        [VAULT, "encrypt", "--vault-password-file", str(password_file), str(plain)],
        check=True,
        capture_output=True,
    )
    return plain.read_text()


def deploy_key(path: Path) -> str:
    """A fresh ed25519 key, made for this test only."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.read_text().rstrip("\n")


def public_half(private: Path) -> list[str]:
    derived = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(private)], capture_output=True, text=True, check=True
    )
    return derived.stdout.split()[:2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the script beside a copy of the inventories, so the test writes no vault here."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / CREDENTIALS.name).write_bytes(CREDENTIALS.read_bytes())
    (root / "scripts" / CREDENTIALS.name).chmod(0o755)
    for env in ("staging", "production"):
        for group in ("agrobridge", "all"):
            (root / "ansible" / "inventories" / env / "group_vars" / group).mkdir(parents=True)
    return root


def test_credentials_land_as_private_files_and_both_vaults_open(
    checkout: Path, tmp_path: Path
) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path)}
    plain = {}
    for name in ("staging", "production"):
        password = secrets.token_urlsafe(24)
        password_file = tmp_path / f"{name}.pass"
        password_file.write_text(password)
        plain[name] = f"vault_redis_api_password: {secrets.token_hex(12)}\n"
        upper = name.upper()
        env |= {
            f"{upper}_SSH_KEY": deploy_key(tmp_path / f"{name}-key"),
            f"{upper}_KNOWN_HOSTS": f"{name}.example ssh-ed25519 AAAA{name}",
            f"{upper}_VAULT_PASSWORD": password,
            f"{upper}_VAULT": encrypted(plain[name], password_file, tmp_path),
        }
    script = checkout / "scripts" / CREDENTIALS.name
    result = subprocess.run(
        [script, "staging", "production"], env=env, capture_output=True, text=True, check=True
    )

    # Only the variable to export reaches the job's log; no secret does.
    (line,) = result.stdout.splitlines()
    assert line.startswith("ANSIBLE_VAULT_IDENTITY_LIST=staging@")
    for name in ("staging", "production"):
        assert env[f"{name.upper()}_VAULT_PASSWORD"] not in result.stdout + result.stderr
    ssh = tmp_path / ".ssh"
    for path in (ssh / "agrobridge-staging", ssh / "agrobridge-production", ssh / "config"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "IdentityFile" in (ssh / "config").read_text()
    # The key written is the one given, usable by ssh.
    for name in ("staging", "production"):
        public = (tmp_path / f"{name}-key.pub").read_text().split()[:2]
        assert public_half(ssh / f"agrobridge-{name}") == public
    assert "production.example" in (ssh / "known_hosts").read_text()

    # ansible-vault, given only the printed identities, opens each environment's vault.
    identities = line.split("=", 1)[1]
    for name in ("staging", "production"):
        vault = checkout / f"ansible/inventories/{name}/group_vars/agrobridge/vault.yml"
        assert stat.S_IMODE(vault.stat().st_mode) == 0o600
        shown = subprocess.run(
            [VAULT, "view", str(vault)],
            env={**env, "ANSIBLE_VAULT_IDENTITY_LIST": identities},
            capture_output=True,
            text=True,
            check=True,
        )
        assert shown.stdout == plain[name]


def test_a_missing_secret_is_named_and_nothing_is_written(checkout: Path, tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "STAGING_SSH_KEY": "key",
        "STAGING_KNOWN_HOSTS": "host",
        "STAGING_VAULT": "vault",
    }
    result = subprocess.run(
        [checkout / "scripts" / CREDENTIALS.name, "staging"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "STAGING_VAULT_PASSWORD is not set" in result.stderr
    assert not (tmp_path / ".ssh" / "agrobridge-staging").exists()


def test_vault_files_stay_out_of_the_repository_and_their_examples_in() -> None:
    examples = sorted(ROOT.glob("ansible/inventories/*/group_vars/*/vault.yml.example"))
    assert examples
    for example in examples:
        vault = example.with_suffix("")  # vault.yml, where the credentials step writes it
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", str(vault)], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, f"{vault} is not ignored"
        kept = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", str(example)], cwd=ROOT, check=False
        )
        assert kept.returncode == 1, f"{example} is ignored"
