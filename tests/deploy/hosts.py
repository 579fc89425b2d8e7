"""VM-like test hosts: Debian bookworm containers that boot systemd, reached over real SSH.

Each host is a privileged podman container (podman runs inside it, for the API's releases)
on a network the test creates, with SSH and HTTPS published on loopback ports.
"""

import os
import random
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
HOST_IMAGE = "localhost/agrobridge-deploy-host:bookworm"
BASE_IMAGE = os.environ.get("AGROBRIDGE_DEPLOY_BASE_IMAGE", "localhost/debian-base:bookworm")


def podman(*args: str, stdin: str | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        ["podman", *args], input=stdin, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def build_host_image() -> None:
    podman(
        "build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
        "-t", HOST_IMAGE, "-f", str(HERE / "host" / "Containerfile"), str(HERE / "host"),
    )  # fmt: skip


def derived_image(base: str, name: str) -> str:
    """A new image of `base`'s contents under another id (one label more): its tag."""
    tag = f"localhost/agrobridge-api:deploy-test-{name}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="agrobridge-image-") as context:
        containerfile = f"FROM {base}\nLABEL org.agrobridge.test.release={name}\n"
        (Path(context) / "Containerfile").write_text(containerfile)
        podman("build", "-t", tag, context)
    return tag


@dataclass(frozen=True)
class Network:
    name: str
    gateway: str
    prefix: str  # "10.77.N."


def create_network(name: str) -> Network:
    """A /24 in 10.77/16 that no other network uses yet (tests run side by side)."""
    for _ in range(20):
        n = random.randint(10, 250)
        try:
            podman("network", "create", "--subnet", f"10.77.{n}.0/24", name)
        except RuntimeError as exc:
            if "subnet" in str(exc) or "in use" in str(exc):
                continue
            raise
        return Network(name, f"10.77.{n}.1", f"10.77.{n}.")
    raise RuntimeError("no free subnet in 10.77.0.0/16 for the test network")


@dataclass(frozen=True)
class Host:
    container: str
    address: str
    ssh_port: int
    https_port: int


def start_host(
    container: str, network: Network, address: str, public_key: Path, domain: str
) -> Host:
    podman(
        "create", "--name", container, "--hostname", container, "--privileged",
        "--systemd=always", "--network", network.name, "--ip", address,
        "-p", "127.0.0.1::22", "-p", "127.0.0.1::443",
        # The public name resolves to the host itself, as on a machine with its own DNS name.
        "--add-host", f"{domain}:127.0.0.1",
        # podman inside stores images on a real volume, not on the container's overlay.
        "-v", f"{container}-containers:/var/lib/containers",
        HOST_IMAGE,
    )  # fmt: skip
    podman("cp", str(public_key), f"{container}:/home/admin/.ssh/authorized_keys")
    podman("start", container)
    podman("exec", container, "chown", "admin:admin", "/home/admin/.ssh/authorized_keys")
    ssh_port = int(podman("port", container, "22").rsplit(":", 1)[1])
    https_port = int(podman("port", container, "443").rsplit(":", 1)[1])
    return Host(container, address, ssh_port, https_port)


def wait_for_ssh(host: Host, known_hosts: Path) -> None:
    """Until sshd answers with the host keys made at first boot; records them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        scan = subprocess.run(
            ["ssh-keyscan", "-p", str(host.ssh_port), "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if scan.stdout.strip():
            known_hosts.write_text(scan.stdout)
            return
        time.sleep(0.5)
    raise RuntimeError(f"sshd of {host.container} did not answer within 60 s")


def remove_host(host_name: str) -> None:
    subprocess.run(["podman", "rm", "-f", "-t", "5", host_name], capture_output=True, check=False)
    subprocess.run(
        ["podman", "volume", "rm", "-f", f"{host_name}-containers"],
        capture_output=True,
        check=False,
    )


def host_shell(
    host: Host, script: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root on the host (for checks; the deploy itself goes over SSH)."""
    flags = [arg for name, value in (env or {}).items() for arg in ("-e", f"{name}={value}")]
    return subprocess.run(
        ["podman", "exec", *flags, host.container, "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
