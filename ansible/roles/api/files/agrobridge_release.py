#!/usr/bin/python3
"""agrobridge-release: blue/green releases of the AgroBridge API on this host.

A release starts in the idle slot (blue or green: a systemd unit and a loopback port), must
become ready, then nginx's upstream is switched to it with a reload. The old release keeps
running as nginx's backup server: a connection the new one refuses (it died, it was killed)
goes to the old one, so no request fails while the new release is smoke-tested and watched,
and any failure switches back to the old one alone. A release that passes keeps the old one
as its warm standby; the next release replaces the standby, never the live one. Every attempt
is recorded.

  agrobridge-release start IMAGE_ID [--commit SHA] [--by WHO]
  agrobridge-release rollback [IMAGE_ID] [--by WHO]  (default: the release before the live one)
  agrobridge-release list                    the release history, newest last
  agrobridge-release passed IMAGE_ID         exit 0 when IMAGE_ID went live here
  agrobridge-release status                  the live release, as JSON

Settings: /etc/agrobridge/release.json (written by Ansible's api role). Python's standard
library only: it runs with the host's python3.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

CONFIG_FILE = Path("/etc/agrobridge/release.json")
# The upstream's server lines: the live release, then the standby (when there is one).
UPSTREAM = re.compile(r"(upstream agrobridge_api \{\s*)((?:server [^;]*;\s*)+)")
FAILURES_BEFORE_ROLLBACK = 2


class ReleaseFailed(Exception):
    """The new release is not good; the message says why."""


def log(message: str) -> None:
    print(f"[agrobridge-release {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # Fixed programs (systemctl, nginx, podman, ss, journalctl) with arguments from here.
    return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)  # noqa: S603


class Host:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.ports: dict[str, int] = config["ports"]
        self.state_dir = Path(config["state_dir"])
        self.history = self.state_dir / "releases.jsonl"
        self.facts = Path(config["facts_file"])
        # Set on an app host behind balancers: checks go to its listener for them.
        self.backend_port: int | None = config.get("backend_port")
        self.began_at = time.time()  # when the release under way began (for its log lines)

    # --- state -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        try:
            loaded: dict[str, Any] = json.loads(self.facts.read_text())
            return loaded
        except FileNotFoundError:
            return {}

    def save_state(self, state: dict[str, Any]) -> None:
        write_atomically(self.facts, json.dumps(state, indent=2) + "\n", 0o644)

    def record(self, entry: dict[str, Any]) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.history.open("a") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")

    def releases(self) -> list[dict[str, Any]]:
        if not self.history.exists():
            return []
        return [json.loads(line) for line in self.history.read_text().splitlines() if line]

    # --- slots -------------------------------------------------------------------------
    def start_slot(self, color: str, image: str) -> None:
        unit = f"agrobridge-api@{color}"
        run("systemctl", "stop", unit)
        run("systemctl", "reset-failed", unit, check=False)
        env = f"AGROBRIDGE_IMAGE={image}\nAGROBRIDGE_PORT={self.ports[color]}\n"
        write_atomically(Path(self.config["config_dir"]) / f"release-{color}.env", env, 0o644)
        run("systemctl", "daemon-reload")
        started = run("systemctl", "start", unit, check=False)
        if started.returncode != 0:
            raise ReleaseFailed(f"{unit} did not start: {self.output(color)}")

    def stop_slot(self, color: str) -> None:
        run("systemctl", "stop", f"agrobridge-api@{color}", check=False)

    def wait_ready(self, color: str) -> float:
        unit, port = f"agrobridge-api@{color}", self.ports[color]
        started = time.monotonic()
        deadline = started + self.config["ready_timeout"]
        while time.monotonic() < deadline:
            shown = run("systemctl", "show", unit, "-p", "ActiveState", "-p", "NRestarts").stdout
            props = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
            if props.get("NRestarts", "0") != "0" or props.get("ActiveState") == "failed":
                raise ReleaseFailed(f"the container exited while starting: {self.output(color)}")
            if local_ready(port):
                return time.monotonic() - started
            time.sleep(0.5)
        timeout = self.config["ready_timeout"]
        raise ReleaseFailed(
            f"not ready within {timeout} s on 127.0.0.1:{port}: {self.output(color)}"
        )

    # --- edge --------------------------------------------------------------------------
    def point_edge_at(self, port: int, standby: int | None = None) -> None:
        """nginx's upstream to 127.0.0.1:port (with the standby as its backup server) and
        Prometheus's API target to 127.0.0.1:port, then reload."""
        site = Path(self.config["nginx_site"])
        before = site.read_text()
        lines = upstream_servers(port, standby)
        after, found = UPSTREAM.subn(lambda m: m.group(1) + lines, before)
        if found != 1:
            raise ReleaseFailed(f"no 'upstream agrobridge_api' server line in {site}")
        write_atomically(site, after, 0o644)
        tested = run("nginx", "-t", check=False)
        if tested.returncode != 0:
            write_atomically(site, before, 0o644)
            raise ReleaseFailed(f"nginx -t refused the switch: {tested.stderr.strip()}")
        workers = nginx_workers()
        run("systemctl", "reload", "nginx")
        wait_for_new_workers(workers)
        prometheus = Path(self.config["prometheus_config"])
        if prometheus.exists():
            text = prometheus.read_text()
            ports = "|".join(str(p) for p in self.ports.values())
            moved = re.sub(rf'"127\.0\.0\.1:(?:{ports})"', f'"127.0.0.1:{port}"', text)
            if moved != text:
                write_atomically(prometheus, moved, 0o644)
                run("systemctl", "reload", "prometheus", check=False)

    def edge_ready(self) -> str | None:
        """None when the public health check answers 200 through nginx; else what went wrong."""
        domain = self.config["domain"]
        connection: http.client.HTTPConnection
        if self.backend_port:
            # An app host behind balancers: its own listener for them, plain HTTP.
            connection = http.client.HTTPConnection("127.0.0.1", self.backend_port, timeout=5)
        else:
            context = ssl.create_default_context(cafile=self.config["edge_ca_file"] or None)
            connection = EdgeConnection(domain, context)
        try:
            connection.request("GET", "/api/v1/health/ready", headers={"Host": domain})
            answer = connection.getresponse()
            body = answer.read(500).decode(errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            return f"{self.edge_url}/api/v1/health/ready: {exc}"
        finally:
            connection.close()
        if answer.status != 200:
            return f"{self.edge_url}/api/v1/health/ready answered {answer.status}: {body}"
        return None

    @property
    def edge_url(self) -> str:
        if self.backend_port:
            return f"http://127.0.0.1:{self.backend_port}"
        return f"https://{self.config['domain']}"

    def smoke(self) -> str | None:
        domain = self.config["domain"]
        with tempfile.TemporaryDirectory() as home:
            lines = [f'connect-to = "{domain}:443:127.0.0.1:443"']
            if self.config["edge_ca_file"]:
                lines.append(f'cacert = "{self.config["edge_ca_file"]}"')
            Path(home, ".curlrc").write_text("\n".join(lines) + "\n")
            done = subprocess.run(  # noqa: S603 (the smoke script named in the root-owned settings)
                [self.config["smoke"], self.edge_url],
                env={**os.environ, "CURL_HOME": home, "SMOKE_WAIT_SECONDS": "10"},
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        return None if done.returncode == 0 else (done.stdout + done.stderr).strip()[-1500:]

    def watch(self, color: str, until: float) -> None:
        """Until `until`, the new release must answer on its own port (the edge alone would not
        tell: nginx passes what it refuses to the standby) and the edge must answer too."""
        unit, port = f"agrobridge-api@{color}", self.ports[color]
        failures = 0
        while True:
            problem = self.edge_ready()
            if problem is None and not local_ready(port):
                problem = f"{unit} stopped answering on 127.0.0.1:{port}: {self.output(color)}"
            failures = failures + 1 if problem else 0
            if failures >= FAILURES_BEFORE_ROLLBACK:
                raise ReleaseFailed(f"health lost after the switch: {problem}")
            if time.monotonic() >= until:
                return
            time.sleep(1)

    def output(self, color: str) -> str:
        """The server's own last lines in this slot since the release began: its errors when it
        logged any (a traceback, an exit message, an ERROR line), else its last lines."""
        return server_lines(f"agrobridge-api-{color}", self.began_at)

    def drain(self, port: int) -> None:
        """Wait until nginx holds no connection to 127.0.0.1:port (workers from before a reload
        finish their requests there)."""
        deadline = time.monotonic() + self.config["drain_timeout"]
        while time.monotonic() < deadline:
            shown = run("ss", "-Htnp", "state", "established", "dport", f"= :{port}").stdout
            if "nginx" not in shown:
                return
            time.sleep(0.2)
        log(f"nginx still had connections to 127.0.0.1:{port} after the drain timeout")

    # --- releases ----------------------------------------------------------------------
    def standby(self, state: dict[str, Any], color: str, image: str) -> bool:
        """Free the idle slot for the release: out of nginx's upstream first, then stopped;
        True when it already runs `image` and answers (a rollback to the standby)."""
        if state.get("standby_color") != color:
            self.stop_slot(color)
            return False
        if state.get("standby_image") == image and local_ready(self.ports[color]):
            return True
        self.point_edge_at(state["active_port"])
        self.drain(self.ports[color])
        self.stop_slot(color)
        return False

    def release(self, image: str, kind: str, commit: str, by: str) -> int:
        state = self.state()
        old_color = state.get("active_color")
        color = "green" if old_color == "blue" else "blue"
        entry = {
            "time": now(),
            "kind": kind,
            "image": image,
            "commit": commit,
            "by": by,
            "color": color,
            "environment": self.config["environment"],
        }
        began = time.monotonic()
        self.began_at = time.time()
        switched = False
        old_port = self.ports[old_color] if old_color else None
        try:
            log(f"{kind}: starting {image[:12]} (commit {commit[:12]}) in slot {color}")
            if self.standby(state, color, image):
                log(f"the standby in {color} already runs {image[:12]} and answers")
            else:
                self.start_slot(color, image)
                log(f"ready after {self.wait_ready(color):.1f} s")
            self.point_edge_at(self.ports[color], standby=old_port)
            switched = True
            switched_at = time.monotonic()
            log(f"nginx switched to {color} (127.0.0.1:{self.ports[color]}), {old_color} behind it")
            problem = self.smoke()
            if problem:
                raise ReleaseFailed(f"the smoke test through the edge failed: {problem}")
            log("smoke test through the edge passed")
            self.watch(color, switched_at + self.config["watch_seconds"])
            log(f"healthy for {self.config['watch_seconds']} s after the switch")
        except (ReleaseFailed, subprocess.SubprocessError) as exc:
            reason = str(exc) if isinstance(exc, ReleaseFailed) else describe(exc)
            if switched and old_port:
                self.point_edge_at(old_port)
            self.stop_slot(color)
            seconds = round(time.monotonic() - began, 1)
            result = "rolled-back" if switched else "failed"
            self.record({**entry, "result": result, "reason": reason[-2000:], "seconds": seconds})
            # The standby was in the slot just tried: the live release now runs alone.
            self.save_state({**state, "standby_color": None, "standby_port": None,
                             "standby_image": None})  # fmt: skip
            serving = f"{state.get('image', '')[:12]} in {old_color}" if old_color else "nothing"
            log(f"FAILED: {image[:12]} {reason}")
            log(f"rolled back in {seconds} s: {serving} is serving")
            return 1
        if old_color:
            log(f"{old_color} stays running as the standby behind {color}")
        self.save_state(
            {
                "active_color": color,
                "active_port": self.ports[color],
                "image": image,
                "commit": commit,
                "previous_image": state.get("image", ""),
                "previous_commit": state.get("commit", ""),
                "standby_color": old_color,
                "standby_port": old_port,
                "standby_image": state.get("image") if old_color else None,
            }
        )
        seconds = round(time.monotonic() - began, 1)
        self.record({**entry, "result": "live", "seconds": seconds})
        self.prune_images()
        log(f"{image[:12]} is live in {color} ({seconds} s)")
        return 0

    def prune_images(self) -> None:
        state = self.state()
        live = [e["image"] for e in reversed(self.releases()) if e["result"] == "live"]
        keep = {state.get("image"), state.get("previous_image")}
        for image in live:
            if len(keep - {None, ""}) >= self.config["keep_images"]:
                break
            keep.add(image)
        for image in {e["image"] for e in self.releases()} - keep:
            run("podman", "rmi", "--ignore", image, check=False)


class EdgeConnection(http.client.HTTPSConnection):
    """HTTPS to this host's nginx on 127.0.0.1:443, with the public name for SNI and checks."""

    def __init__(self, domain: str, context: ssl.SSLContext) -> None:
        super().__init__("127.0.0.1", 443, context=context, timeout=5)
        self.domain = domain
        self.tls = context

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", 443), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.domain)


def nginx_workers() -> set[int]:
    """The nginx workers that accept connections (not those finishing after a reload)."""
    shown = run("ps", "-eo", "pid=,args=", check=False).stdout
    rows = (line.strip().partition(" ") for line in shown.splitlines())
    return {int(pid) for pid, _, args in rows if args.strip() == "nginx: worker process"}


def wait_for_new_workers(before: set[int], seconds: float = 10) -> None:
    """Until a reload has replaced every accepting worker: a connection made meanwhile may still
    reach an old worker, which then closes it as it shuts down (curl: HTTP/2 framing error)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now_accepting = nginx_workers()
        if now_accepting and not now_accepting & before:
            return
        time.sleep(0.1)
    log(f"nginx's old workers still accepted connections {seconds:.0f} s after the reload")


def local_ready(port: int) -> bool:
    url = f"http://127.0.0.1:{port}/api/v1/health/ready"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def upstream_servers(port: int, standby: int | None) -> str:
    """nginx's server lines: the live release, then the standby as the backup server. The
    standby is never marked failed (max_fails=0): it is the last place a request can go."""
    lines = f"server 127.0.0.1:{port};\n    "
    if standby:
        lines += f"server 127.0.0.1:{standby} backup max_fails=0;\n    "
    return lines


def server_lines(container: str, since: float, count: int = 8) -> str:
    """The container's own output since `since` (podman's journald log driver tags each line
    with its name), not the unit's lines, which are mostly podman's events: the lines that
    say what went wrong when there are any, else the last ones."""
    shown = run(
        "journalctl", f"CONTAINER_NAME={container}", "--since", f"@{int(since)}",
        "--no-pager", "-o", "cat", check=False,
    ).stdout.strip().splitlines()  # fmt: skip
    wrong = [line for line in shown if is_error_line(line)]
    return " | ".join((wrong or shown)[-count:]) or "(the server wrote nothing)"


def is_error_line(line: str) -> bool:
    """A log entry at ERROR or above, or anything that is not a JSON log entry (a traceback,
    an exit message: what a process prints as it dies)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return True
    if not isinstance(entry, dict):
        return True
    return str(entry.get("level", "")).upper() in {"ERROR", "CRITICAL"}


def describe(exc: subprocess.SubprocessError) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        return f"{' '.join(exc.cmd)} failed: {(exc.stderr or '').strip()}"
    return str(exc)


def write_atomically(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text)
    temporary.chmod(mode)
    temporary.replace(path)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_id(value: str) -> str:
    value = value.removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{12,64}", value):
        raise SystemExit(f"not an image id: {value!r}")
    found = run("podman", "image", "inspect", "--format", "{{.Id}}", value, check=False)
    if found.returncode != 0:
        raise SystemExit(f"image {value} is not on this host")
    return found.stdout.strip()


def show(releases: list[dict[str, Any]], state: dict[str, Any]) -> None:
    # The live release is the newest entry that went live: an image released again (a
    # rollback to it) has older live entries that are history, not what serves.
    went_live = [i for i, e in enumerate(releases) if e["result"] == "live"]
    live = went_live[-1] if went_live else None
    if live is not None and releases[live]["image"] != state.get("image"):
        live = None
    print(f"{'time':20}  {'kind':8}  {'result':11}  {'slot':5}  {'image':12}  {'commit':12}  by")
    for i, e in enumerate(releases):
        mark = " <- live" if i == live else ""
        print(
            f"{e['time']:20}  {e['kind']:8}  {e['result']:11}  {e['color']:5}  "
            f"{e['image'][:12]:12}  {e['commit'][:12]:12}  {e['by']}{mark}"
        )
        if e.get("reason"):
            print(f"{'':22}why: {e['reason'][:300]}")


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agrobridge-release",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="release IMAGE_ID")
    start.add_argument("image")
    start.add_argument("--commit", default="unknown")
    # Who releases: the operator's name, passed by release.sh; SUDO_USER is only the SSH user.
    start.add_argument("--by", default=os.environ.get("SUDO_USER", "unknown"))
    back = commands.add_parser("rollback", help="go back to the previous release")
    back.add_argument("image", nargs="?")
    back.add_argument("--by", default=os.environ.get("SUDO_USER", "unknown"))
    commands.add_parser("list", help="the release history")
    passed = commands.add_parser("passed", help="exit 0 when IMAGE_ID went live here")
    passed.add_argument("image")
    commands.add_parser("status", help="the live release as JSON")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    host = Host(json.loads(CONFIG_FILE.read_text()))

    if args.command == "start":
        return host.release(image_id(args.image), "deploy", args.commit, args.by)
    if args.command == "rollback":
        state = host.state()
        target = args.image or state.get("previous_image")
        if not target:
            raise SystemExit("no previous release to go back to")
        image = image_id(target)
        commit = next((e["commit"] for e in host.releases() if e["image"] == image), "unknown")
        return host.release(image, "rollback", commit, args.by)
    if args.command == "list":
        show(host.releases(), host.state())
        return 0
    if args.command == "passed":
        wanted = args.image.removeprefix("sha256:")
        if len(wanted) < 12:
            raise SystemExit("give at least 12 characters of the image id")
        ok = any(e["image"].startswith(wanted) and e["result"] == "live" for e in host.releases())
        print(f"{wanted[:12]} {'went live' if ok else 'never went live'} in this environment")
        return 0 if ok else 1
    print(json.dumps(host.state(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
