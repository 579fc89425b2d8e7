"""nginx with the project's own config, rendered into a temp dir, on free loopback ports."""

import getpass
import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.edge.render import TEMPLATES, render_tree
from tests.support.limits import nginx_limit_values
from tests.support.processes import stop_group
from tests.support.server import free_port
from tests.support.waiting import listening, wait_until

DOMAIN = "agrobridge.test"
# The address nginx_rate_limit_exempt names in the rendered site.
EXEMPT_SOURCE = "127.0.0.9"
PLACEHOLDER_SCRIPT = TEMPLATES / "certbot" / "placeholder-cert.sh"


@dataclass(frozen=True)
class Site:
    prefix: Path
    http_port: int
    https_port: int
    domain: str = DOMAIN

    @property
    def conf(self) -> Path:
        return self.prefix / "conf" / "nginx.conf"

    @property
    def deploy_hook(self) -> Path:
        return self.prefix / "conf" / "certbot" / "deploy-hook.sh"

    @property
    def tls_dir(self) -> Path:
        return self.prefix / "tls"

    @property
    def webroot(self) -> Path:
        return self.prefix / "webroot"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "error.log"

    def nginx(self, *args: str) -> list[str]:
        prefix = [nginx_binary() or "nginx", "-p", f"{self.prefix}/", "-c", str(self.conf)]
        return [*prefix, "-e", str(self.error_log), *args]

    def access_log(
        self, expect: int = 0, where: Callable[[dict[str, Any]], bool] = lambda entry: True
    ) -> list[dict[str, Any]]:
        """The entries `where` picks, once there are at least `expect` of them: nginx writes a
        request's line after sending its response, so a client may read before it is there."""
        entries: list[dict[str, Any]] = []

        def enough() -> bool:
            nonlocal entries
            lines = (self.prefix / "logs" / "access.log").read_text().splitlines()
            entries = [e for e in (json.loads(line) for line in lines if line.strip()) if where(e)]
            return len(entries) >= expect

        wait_until(enough, seconds=10)
        return entries


def nginx_binary() -> str | None:
    """nginx lives in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def worker_user() -> str:
    """Production's workers run as www-data; here as nobody when we are root, else as us."""
    if os.geteuid() != 0:
        return getpass.getuser()
    nobody = pwd.getpwnam("nobody")
    return f"nobody {grp.getgrgid(nobody.pw_gid).gr_name}"


def prepare_site(root: Path, api_address: str, public_docs: str = "off") -> Site:
    """Render the templates for a new site under `root`; the caller provides its certificate."""
    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=root))
    prefix.chmod(0o755)  # workers (nobody) read the webroot below it
    site = Site(prefix, free_port(), free_port())
    for directory in ("logs", "run", "tls", "webroot"):
        (prefix / directory).mkdir()
    values = {
        "ansible_managed": "Rendered by tests/edge from nginx/: edit the templates there.",
        "agrobridge_domain": site.domain,
        "agrobridge_nginx_user": worker_user(),
        "agrobridge_nginx_conf_dir": str(prefix / "conf"),
        "agrobridge_nginx_pid_file": str(prefix / "run" / "nginx.pid"),
        "agrobridge_nginx_log_dir": str(prefix / "logs"),
        "agrobridge_nginx_temp_dir": str(prefix / "run"),
        "agrobridge_nginx_http_listen": f"127.0.0.1:{site.http_port}",
        "agrobridge_nginx_https_listen": f"127.0.0.1:{site.https_port}",
        "agrobridge_nginx_https_url": f"https://{site.domain}:{site.https_port}",
        "agrobridge_nginx_upstream": f"server {api_address};",
        "agrobridge_nginx_forwarded_proto": "$scheme",
        "agrobridge_nginx_public_docs": public_docs,
        "agrobridge_nginx_resolver": "127.0.0.1",
        "agrobridge_nginx_tls_dir": str(site.tls_dir),
        "agrobridge_nginx_acme_webroot": str(site.webroot),
        "agrobridge_nginx_reload_command": " ".join(site.nginx("-s", "reload")),
        "agrobridge_certbot_command": str(Path(sys.executable).parent / "certbot"),
        # A source the per-address limit leaves out (a deployment's load-test source).
        "agrobridge_nginx_rate_limit_exempt": f"{EXEMPT_SOURCE} 1;",
        # Timeouts and the body limit as a host gets them (group_vars/all/limits.yml).
        **nginx_limit_values(),
    }
    render_tree(values, prefix / "conf")
    return site


def check_config(site: Site) -> subprocess.CompletedProcess[str]:
    return subprocess.run(site.nginx("-t"), capture_output=True, text=True, timeout=30)


@contextmanager
def running_nginx(site: Site) -> Iterator[subprocess.Popen[bytes]]:
    checked = check_config(site)
    assert checked.returncode == 0, f"nginx -t failed:\n{checked.stderr}"
    process = subprocess.Popen(
        site.nginx("-g", "daemon off;"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_ports(process, site)
        yield process
    finally:
        stop_group(process)


def _wait_for_ports(process: subprocess.Popen[bytes], site: Site) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{site.error_log.read_text(errors='replace')}")
        return all(listening(port) for port in (site.http_port, site.https_port))

    if not wait_until(up, seconds=10, every=0.05):
        raise RuntimeError(f"nginx not listening in 10 s:\n{site.error_log.read_text()}")


def install_certificate(site: Site, cert: Path, key: Path, chain: Path) -> None:
    shutil.copyfile(cert, site.tls_dir / "fullchain.pem")
    shutil.copyfile(key, site.tls_dir / "privkey.pem")
    shutil.copyfile(chain, site.tls_dir / "chain.pem")


def install_placeholder(site: Site) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLACEHOLDER_SCRIPT), str(site.tls_dir), site.domain],
        capture_output=True,
        text=True,
        timeout=30,
    )
