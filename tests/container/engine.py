"""A thin, bounded wrapper around the podman or docker command line, for the image tests."""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

NO_ENGINE = """
The image tests (AGROBRIDGE_TEST_IMAGE is set) need a container engine, and found none:
install podman or Docker (or set CONTAINER_ENGINE=podman|docker to the one to use). On this
project's CI machines `.ci/podman-testcontainers.sh setup` provides podman.
"""


class EngineError(RuntimeError):
    pass


@dataclass(frozen=True)
class Engine:
    cli: str

    @property
    def is_podman(self) -> bool:
        return os.path.basename(self.cli).startswith("podman")

    def run(
        self, *args: str, timeout: float = 120, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                [self.cli, *args],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"`{self.cli} {' '.join(args)}` took over {timeout} s") from exc
        if check and result.returncode != 0:
            raise EngineError(
                f"`{self.cli} {' '.join(args)}` exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result

    def inspect(self, kind: str, name: str) -> dict[str, Any]:
        """`KIND inspect` as JSON: podman and docker agree on its keys, not on Go templates."""
        found: list[dict[str, Any]] = json.loads(self.run(kind, "inspect", name).stdout)
        return found[0]

    def container(self, name: str) -> dict[str, Any]:
        return self.inspect("container", name)

    def logs(self, name: str) -> str:
        result = self.run("logs", name, check=False, timeout=30)
        return (result.stdout + result.stderr)[-6000:]

    def remove(self, *names: str) -> None:
        stop = ["-t", "3"] if self.is_podman else []
        for name in names:
            self.run("rm", "-f", *stop, name, check=False, timeout=60)

    def ip_address(self, name: str, network: str) -> str:
        address: str = self.container(name)["NetworkSettings"]["Networks"][network]["IPAddress"]
        return address

    def published(self, name: str, port: int) -> str:
        """The host address of a port published with `-p 127.0.0.1::PORT`."""
        return self.run("port", name, f"{port}/tcp").stdout.split()[0]

    def wait_until(self, name: str, command: list[str], what: str, seconds: float = 60) -> None:
        """Run `exec NAME COMMAND` until it succeeds; fail with the container's log if not."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.container(name)["State"]["Running"]:
                raise EngineError(f"{name} exited before {what}:\n{self.logs(name)}")
            if self.run("exec", name, *command, check=False, timeout=30).returncode == 0:
                return
            time.sleep(0.5)
        raise EngineError(f"{name}: not {what} after {seconds} s:\n{self.logs(name)}")

    def wait_for_log(self, name: str, text: str, count: int = 1, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            result = self.run("logs", name, check=False, timeout=30)
            if (result.stdout + result.stderr).count(text) >= count:
                return
            time.sleep(0.25)
        raise EngineError(
            f"{name}: '{text}' not logged {count} times in {seconds} s:\n{self.logs(name)}"
        )

    def wait_healthy(self, name: str, seconds: float = 90) -> None:
        """Wait for the image's own HEALTHCHECK to report healthy.

        Docker runs health checks itself (start the container with a short --health-interval).
        podman schedules them with systemd timers, which hosts without systemd (CI here) lack,
        so each round also runs the check once with `podman healthcheck run`.
        """
        deadline = time.monotonic() + seconds
        status = "none"
        while time.monotonic() < deadline:
            state = self.container(name)["State"]
            if not state["Running"]:
                raise EngineError(
                    f"{name} exited (status {state.get('ExitCode')}):\n{self.logs(name)}"
                )
            if self.is_podman:
                self.run("healthcheck", "run", name, check=False, timeout=30)
                state = self.container(name)["State"]
            status = (state.get("Health") or {}).get("Status", "none")
            if status == "healthy":
                return
            time.sleep(1)
        raise EngineError(f"{name}: health is '{status}' after {seconds} s:\n{self.logs(name)}")


def find_engine() -> Engine:
    """CONTAINER_ENGINE, else podman, else docker: the first whose daemon or service answers."""
    wanted = os.environ.get("CONTAINER_ENGINE")
    for name in [wanted] if wanted else ["podman", "docker"]:
        cli = shutil.which(name)
        if cli is None:
            continue
        engine = Engine(cli)
        if engine.run("info", check=False, timeout=60).returncode == 0:
            return engine
    raise EngineError(NO_ENGINE)


def image_id(value: str) -> str:
    """Image ids without docker's `sha256:` prefix, so that both engines' ids compare."""
    return value.removeprefix("sha256:")
