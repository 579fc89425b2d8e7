"""HTTP through the edge with curl: HTTP/2, the site's name resolved to loopback (so SNI and
Host are the real ones) and a chosen source address, which httpx here cannot all do."""

import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_REPORT = '{"transfer":%{json},"headers":%{header_json}}\n@@@\n'


@dataclass(frozen=True)
class Reply:
    status: int
    http_version: str
    headers: dict[str, list[str]]
    body: bytes
    exit_code: int
    error: str | None

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), [])
        assert len(values) == 1, f"{name}: expected one value, got {values}"
        return values[0]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Curl:
    domain: str
    https_port: int
    http_port: int
    ca_file: Path
    workdir: Path

    def https(self, path: str) -> str:
        return f"https://{self.domain}:{self.https_port}{path}"

    def http(self, path: str) -> str:
        return f"http://{self.domain}:{self.http_port}{path}"

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", self.https(path), **options)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        source: str = "127.0.0.1",
        options: Sequence[str] = ("--http2",),
    ) -> Reply:
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            args = [*options, "-X", method]
            for name, value in (headers or {}).items():
                args += ["-H", f"{name}: {value}"]
            if body is not None:
                upload = Path(scratch, "upload")
                upload.write_bytes(body)
                args += ["--data-binary", f"@{upload}", "-H", "Expect:"]
            return self._run([(url, Path(scratch, "body"))], args, source)[0]

    def burst(self, path: str, count: int, source: str) -> list[Reply]:
        """`count` GETs one after another on one HTTP/2 connection, as fast as curl goes."""
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            transfers = [(self.https(path), Path(scratch, f"body-{n}")) for n in range(count)]
            return self._run(transfers, ["--http2"], source)

    def _run(self, transfers: list[tuple[str, Path]], args: list[str], source: str) -> list[Reply]:
        # One curl process for all transfers, so that they reuse its connection.
        config = "".join(f'url = "{url}"\noutput = "{out}"\n' for url, out in transfers)
        resolve: list[str] = []
        for port in (self.https_port, self.http_port):
            resolve += ["--resolve", f"{self.domain}:{port}:127.0.0.1"]
        command = ["curl", "-sS", "--max-time", "15", "--cacert", str(self.ca_file), *resolve]
        command += ["--interface", source, "-w", _REPORT, *args, "-K", "-"]
        done = subprocess.run(
            command,
            input=config,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        reports = [json.loads(chunk) for chunk in done.stdout.split("@@@\n") if chunk.strip()]
        assert len(reports) == len(transfers), done.stderr
        return [_reply(report, out) for report, (_, out) in zip(reports, transfers, strict=True)]


def _reply(report: dict[str, Any], out: Path) -> Reply:
    transfer = report["transfer"]
    return Reply(
        status=int(transfer["http_code"]),
        http_version=str(transfer["http_version"]),
        headers={name.lower(): list(values) for name, values in report["headers"].items()},
        body=out.read_bytes() if out.exists() else b"",
        exit_code=int(transfer["exitcode"]),
        error=transfer["errormsg"],
    )
