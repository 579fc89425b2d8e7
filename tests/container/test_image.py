"""One image for staging and production: configuration alone tells them apart.

Everything runs the image named by AGROBRIDGE_TEST_IMAGE against real PostgreSQL and Redis
containers on a private network: migrations as a one-shot command, then the same image twice
with staging and production settings, driven over HTTP by scripts/smoke.sh.
"""

import json
import subprocess
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.container.conftest import API_UID, KEY_DIR_IN_CONTAINER, Image, Stack
from tests.container.engine import Engine, EngineError, image_id

pytestmark = pytest.mark.container

ROOT = Path(__file__).parents[2]
SMOKE = ROOT / "scripts" / "smoke.sh"
# How production should run it. podman mounts a tmpfs on /tmp for --read-only by itself; docker
# needs it said (Python's multiprocessing, which Sanic's workers use, wants a writable /tmp).
HARDENED = [
    *("--read-only", "--tmpfs", "/tmp"),  # noqa: S108 - a tmpfs inside the container
    *("--cap-drop", "ALL", "--security-opt", "no-new-privileges"),
]


def settings(env: str, stack: Stack, redis_db: int, **extra: str) -> dict[str, str]:
    """The environment of one deployment: the only thing that differs between them."""
    return {
        "AGROBRIDGE_ENV": env,
        "DATABASE_URL": stack.database_url(env),
        "REDIS_URL": stack.redis_url(redis_db),
        "AGROBRIDGE_JWT_PRIVATE_KEY_FILE": f"{KEY_DIR_IN_CONTAINER}/jwt-signing.pem",
        # Production refuses a loopback or plain-http one: the QR codes encode it.
        "AGROBRIDGE_PUBLIC_BASE_URL": "https://trace.agrobridge.example",
        **extra,
    }


def env_file(folder: Path, name: str, env: dict[str, str]) -> Path:
    """Settings go in through a 0600 file, so the database password is on no command line."""
    path = folder / f"{name}.env"
    path.touch(mode=0o600)
    path.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    return path


def engine_args(engine: Engine, stack: Stack, env: Path, key_dir: Path) -> list[str]:
    args = ["--network", stack.network, "--env-file", str(env),
            "-v", f"{key_dir}:{KEY_DIR_IN_CONTAINER}:ro"]  # fmt: skip
    # Docker runs health checks itself: make them frequent enough for a test.
    return args if engine.is_podman else [*args, "--health-interval", "2s"]


class Deployment:
    def __init__(self, engine: Engine, name: str) -> None:
        self.engine, self.name = engine, name

    @property
    def url(self) -> str:
        return "http://" + self.engine.published(self.name, 8000)

    def inspect(self) -> dict[str, object]:
        return self.engine.container(self.name)


def start(
    engine: Engine, image: Image, stack: Stack, key_dir: Path, name: str, env: Path, *flags: str
) -> Deployment:
    engine.run(
        "run", "-d", "--name", name, "-p", "127.0.0.1::8000",
        *engine_args(engine, stack, env, key_dir), *flags, image.ref,
    )  # fmt: skip
    engine.wait_healthy(name)
    return Deployment(engine, name)


def smoke(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SMOKE), deployment.url], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def env_files(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("env")
    return {
        "staging": env_file(
            folder, "staging", settings("staging", stack, 0, AGROBRIDGE_DOCS_ENABLED="true")
        ),
        "production": env_file(
            folder, "production", settings("production", stack, 1, AGROBRIDGE_DOCS_ENABLED="false")
        ),
    }


@pytest.fixture(scope="module")
def first_migrations(
    engine: Engine, image: Image, stack: Stack, env_files: dict[str, Path]
) -> dict[str, subprocess.CompletedProcess[str]]:
    """`migrate`, once per environment, as the release step before the API starts."""
    results = {}
    for env, path in env_files.items():
        name = f"agrobridge-test-migrate-{env}-{stack.suffix}"
        network = ["--network", stack.network, "--env-file", str(path)]
        results[env] = engine.run(
            "run", "--rm", "--name", name, *network, *HARDENED, image.ref, "migrate", check=False
        )
    return results


@pytest.fixture(scope="module")
def deployments(
    engine: Engine,
    image: Image,
    stack: Stack,
    key_dir: Path,
    env_files: dict[str, Path],
    first_migrations: dict[str, subprocess.CompletedProcess[str]],
) -> Iterator[dict[str, Deployment]]:
    """Staging as `run` starts it by default; production hardened, as it should be run."""
    for env, result in first_migrations.items():
        assert result.returncode == 0, f"migrate ({env}) failed:\n{result.stdout}{result.stderr}"
    names = {env: f"agrobridge-test-{env}-{stack.suffix}" for env in env_files}
    try:
        staging = start(engine, image, stack, key_dir, names["staging"], env_files["staging"])
        production = start(
            engine, image, stack, key_dir, names["production"], env_files["production"], *HARDENED
        )
        yield {"staging": staging, "production": production}
    except EngineError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        engine.remove(*names.values())


def test_the_image_runs_unprivileged_with_a_healthcheck_and_says_what_it_is(image: Image):
    config = image.inspect["Config"]
    assert isinstance(config, dict)
    assert config["User"] == f"{API_UID}:{API_UID}"
    assert config["Entrypoint"][-3:] == ["/opt/venv/bin/python", "-m", "api"]
    assert config["Cmd"] == ["serve"]
    assert "8000/tcp" in config["ExposedPorts"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"]
    assert labels["org.opencontainers.image.revision"]
    # podman reports it beside the config, docker inside it.
    healthcheck = image.inspect.get("Healthcheck") or config.get("Healthcheck")
    assert isinstance(healthcheck, dict), "the image has no HEALTHCHECK (podman: --format docker)"
    assert "/api/v1/health" in " ".join(healthcheck["Test"])


def test_the_image_lists_what_it_holds_in_its_sbom(engine: Engine, image: Image):
    config = image.inspect["Config"]
    assert isinstance(config, dict)
    path = config["Labels"]["org.agrobridge.sbom"]
    shown = engine.run("run", "--rm", "--entrypoint", "cat", image.id, path).stdout
    bom = json.loads(shown)
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.5")
    purls = {component["purl"] for component in bom["components"]}
    # Every locked runtime package, at the version uv.lock pins, as what is installed says.
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"]}
    for name in ("sanic", "tortoise-orm", "asyncpg", "redis", "pyjwt", "pydantic"):
        assert f"pkg:pypi/{name}@{locked[name]}" in purls, name
    installed = engine.run(
        "run", "--rm", "--entrypoint", "/opt/venv/bin/python", image.id, "-c",
        "import importlib.metadata as m; print(len(list(m.distributions())))",
    ).stdout  # fmt: skip
    assert sum(p.startswith("pkg:pypi/") for p in purls) == int(installed)
    # And the system's: tini (PID 1) among Debian's packages, and the interpreter.
    assert any(p.startswith("pkg:deb/debian/tini@") for p in purls)
    assert any(p.startswith("pkg:generic/cpython@3.11.") for p in purls)


def test_every_module_of_the_api_imports_from_the_runtime_dependencies_alone(
    engine: Engine, image: Image
):
    # A module importing a dev-only package (the webhook worker's HTTP client once was) would
    # pass every test outside the image and fail only when that command runs in it.
    walk = (
        "import importlib, pkgutil, api\n"
        "names = [m.name for m in pkgutil.walk_packages(api.__path__, 'api.')]\n"
        # `python -m api` itself: importing it runs the command line.
        "names.remove('api.__main__')\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names))"
    )
    done = engine.run(
        "run", "--rm", "--entrypoint", "/opt/venv/bin/python", image.id, "-c", walk, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 100


def test_migrations_are_a_one_shot_command_of_the_same_image(
    engine: Engine,
    image: Image,
    stack: Stack,
    env_files: dict[str, Path],
    first_migrations: dict[str, subprocess.CompletedProcess[str]],
):
    for env, result in first_migrations.items():
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("applied: 0_"), (env, result.stdout)
    again = engine.run(
        "run", "--rm", "--network", stack.network, "--env-file", str(env_files["staging"]),
        image.ref, "migrate",
    )  # fmt: skip
    assert again.stdout.splitlines()[0] == "applied: nothing (up to date)"


def test_one_image_serves_staging_and_production_from_configuration_alone(
    image: Image, deployments: dict[str, Deployment]
):
    for env, deployment in deployments.items():
        assert image_id(str(deployment.inspect()["Image"])) == image.id, env
        result = smoke(deployment)
        assert result.returncode == 0, f"{env}:\n{result.stdout}{result.stderr}"
        assert "smoke: passed" in result.stdout
    # A difference made by configuration alone: staging is told to serve the API docs.
    docs = {
        env: httpx.get(f"{d.url}/docs/openapi.json", timeout=10) for env, d in deployments.items()
    }
    assert docs["staging"].status_code == 200
    assert docs["production"].status_code == 404


def test_production_runs_on_a_read_only_root_without_capabilities(
    engine: Engine, deployments: dict[str, Deployment]
):
    production = deployments["production"]
    host_config = production.inspect()["HostConfig"]
    assert isinstance(host_config, dict)
    assert host_config["ReadonlyRootfs"] is True
    probe = engine.run(
        "exec", production.name, "python", "-c",
        "import os; print(os.getuid()); print(open('/proc/1/status').read())\n"
        "try:\n    open('/opt/venv/written', 'w')\nexcept OSError as e:\n    print(e.strerror)",
    ).stdout  # fmt: skip
    assert probe.splitlines()[0] == API_UID
    assert "CapEff:\t0000000000000000" in probe
    assert "Read-only file system" in probe


def test_staging_and_production_refuse_the_example_database_password(
    engine: Engine, image: Image, stack: Stack, key_dir: Path, tmp_path: Path
):
    for env in ("staging", "production"):
        weak = settings(env, stack, 0, DATABASE_URL=stack.database_url(env, "CHANGE-ME"))
        result = engine.run(
            "run", "--rm", *engine_args(engine, stack, env_file(tmp_path, env, weak), key_dir),
            image.ref, check=False, timeout=60,
        )  # fmt: skip
        assert result.returncode != 0, result.stdout
        assert "AGROBRIDGE_DATABASE_URL" in result.stderr
        assert "CHANGE-ME" not in result.stdout + result.stderr


def logged_at(logs: str, message: str) -> float:
    """When the API's first JSON log line holding `message` was written (seconds)."""
    for line in logs.splitlines():
        if message in line and line.startswith("{"):
            stamp = json.loads(line)["ts"].replace("Z", "+00:00")
            return datetime.fromisoformat(stamp).timestamp()
    raise AssertionError(f"'{message}' was not logged:\n{logs}")


def test_the_api_stops_cleanly_and_quickly_when_asked(
    engine: Engine, image: Image, stack: Stack, key_dir: Path, env_files: dict[str, Path]
):
    name = f"agrobridge-test-stop-{stack.suffix}"
    try:
        start(engine, image, stack, key_dir, name, env_files["staging"])
        # Once both workers say they are up; a stop that lands earlier is the fault tier's
        # test_sigterm_while_workers_start_stops_the_server_cleanly.
        engine.wait_for_log(name, "Worker ready", count=2)
        engine.run("stop", "-t", "20", name)
        state = engine.container(name)["State"]
        assert state["ExitCode"] == 0, engine.logs(name)
        # From the signal's arrival to the server's last line, by the API's own clock: what
        # podman adds around it (its start, the cleanup) is the machine's load, not the API's.
        logs = engine.logs(name)
        took = logged_at(logs, "Server Stopped") - logged_at(logs, "SIGTERM: no new connections")
        assert took < 5, f"took {took:.1f} s to stop:\n{logs}"
    finally:
        engine.remove(name)
