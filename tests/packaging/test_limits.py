"""The edge's timeouts and body limit against the API's, as the deployment renders both.

nginx/ is rendered with the nginx role's values and the api role's environment file is loaded
into the API's settings, both from the same defaults (the playbooks' group_vars/all/limits.yml).
nginx must drop an idle connection to the API before the API closes it (else a request sent on
it meets a closing socket: a 502), wait longer than the API's own timeouts (so that the client
gets the API's 408 or 503 rather than nginx's 504), and refuse no body the API accepts. The
nginx role checks the order itself before rendering, for values an inventory changes.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import server_limits
from api.infrastructure.db.config import Limits, session_settings
from api.settings import Settings
from tests.edge.render import TEMPLATES, render
from tests.support.limits import (
    API_LIMIT_VARIABLES,
    LIMITS_FILE,
    NGINX_ROLE,
    ROOT,
    limits,
    load_yaml,
    nginx_limit_values,
    rendered_api_env,
    rendered_pgbouncer_ini,
)

SITES = ("conf.d/agrobridge.conf", "conf.d/agrobridge-backend.conf")
PROXY = "snippets/proxy.conf"
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "": 1}
_SIZES = {"": 1, "k": 1024, "m": 1024 * 1024, "g": 1024**3}


def rendered(name: str, *, balancer: bool = False) -> str:
    """One nginx/ file as a host gets it: the limits from the role, anything else a dummy."""
    text = (TEMPLATES / name).read_text()
    values = dict.fromkeys(_PLACEHOLDER.findall(text), "unused")
    return render(text, {**values, **nginx_limit_values(balancer=balancer)}, name)


def directive(text: str, name: str) -> str:
    (value,) = re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)
    return str(value).strip()


def upstream_block(text: str) -> str:
    (block,) = re.findall(r"^upstream agrobridge_api \{(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    return str(block)


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|)", value).groups()  # type: ignore[union-attr]
    return int(number) * _UNITS[unit]


def size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * _SIZES[unit.lower()]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, float]:
    """Sanic's limits in a release started with the api role's environment file."""
    key = tmp_path / "jwt-signing.pem"
    key.write_text("a key file")
    for name, value in rendered_api_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AGROBRIDGE_SECRETS_DIR")
    monkeypatch.setenv("AGROBRIDGE_JWT_PRIVATE_KEY_FILE", str(key))
    monkeypatch.setenv("AGROBRIDGE_DATABASE_URL", "postgres://api:a-long-secret@db/agrobridge")
    monkeypatch.setenv("AGROBRIDGE_REDIS_URL", "redis://:a-long-secret@cache:6379/0")
    # The role derives it from the site's domain, which only an inventory names.
    monkeypatch.setenv("AGROBRIDGE_PUBLIC_BASE_URL", "https://api.example.com")
    return server_limits(Settings())


def latest_answer(api: dict[str, float], timeout: str) -> float:
    """When Sanic acts on `timeout` at the latest: it checks its timers every
    min(keep-alive, request, response) / 2 seconds."""
    timers = (api["KEEP_ALIVE_TIMEOUT"], api["REQUEST_TIMEOUT"], api["RESPONSE_TIMEOUT"])
    return api[timeout] + min(timers) / 2


@pytest.mark.parametrize("site", SITES)
def test_nginx_drops_an_idle_connection_to_the_api_before_the_api_closes_it(
    site: str, api: dict[str, float]
):
    idle = seconds(directive(upstream_block(rendered(site)), "keepalive_timeout"))
    # A second to spare for the request's way to the API and the answer's way back.
    assert idle + 1 <= api["KEEP_ALIVE_TIMEOUT"], (
        f"{site}: nginx keeps idle connections {idle:g} s, the API closes them after "
        f"{api['KEEP_ALIVE_TIMEOUT']:g} s: nginx's must be at least a second shorter"
    )


@pytest.mark.parametrize("balancer", [False, True], ids=["single-host", "balancer"])
def test_nginx_waits_for_the_apis_own_timeout_answers(balancer: bool, api: dict[str, float]):
    proxy = rendered(PROXY, balancer=balancer)
    read = seconds(directive(proxy, "proxy_read_timeout"))
    send = seconds(directive(proxy, "proxy_send_timeout"))
    connect = seconds(directive(proxy, "proxy_connect_timeout"))
    assert read > latest_answer(api, "RESPONSE_TIMEOUT"), (
        f"proxy_read_timeout {read:g} s: the API's 503 for a slow handler comes after up to "
        f"{latest_answer(api, 'RESPONSE_TIMEOUT'):g} s"
    )
    assert send > latest_answer(api, "REQUEST_TIMEOUT"), (
        f"proxy_send_timeout {send:g} s: the API's 408 for a request that does not arrive comes "
        f"after up to {latest_answer(api, 'REQUEST_TIMEOUT'):g} s"
    )
    assert connect < read


def test_nginx_refuses_exactly_the_bodies_the_api_refuses(api: dict[str, float]):
    edge = size(directive(rendered(PROXY), "client_max_body_size"))
    assert edge <= api["REQUEST_MAX_SIZE"], "nginx would pass bodies the API refuses"
    assert edge == api["REQUEST_MAX_SIZE"], "nginx would refuse bodies the API accepts"


def test_the_apis_own_defaults_are_the_deployments_limits(
    monkeypatch: pytest.MonkeyPatch, api: dict[str, float]
):
    """`just run`, the image and the edge tests' API, with no limit set, use the same numbers."""
    for variable in API_LIMIT_VARIABLES:
        monkeypatch.delenv(variable)
    assert server_limits(Settings()) == api


def test_pgbouncer_starts_the_apis_server_sessions_with_the_apis_own_timeouts():
    """Pooled, the API sends no session settings: PgBouncer's connect_query must set what the
    API would have sent (api/infrastructure/db/config.py), from the releases' settings."""
    env = rendered_api_env()
    assert env["AGROBRIDGE_DB_POOLER"] == "pgbouncer"
    api = Limits(
        acquire=1,
        statement=float(env["AGROBRIDGE_DB_STATEMENT_TIMEOUT_SECONDS"]),
        lock=float(env["AGROBRIDGE_DB_LOCK_TIMEOUT_SECONDS"]),
    )
    (query,) = re.findall(r"connect_query='([^']*)'", rendered_pgbouncer_ini())
    assert dict(re.findall(r"SET (\w+) = (\d+)", query)) == session_settings(api)


def test_the_limits_are_plain_numbers_the_edge_tests_can_read():
    assert all(type(value) is int for value in limits().values()), limits()


def provision_assert(tmp_path: Path, **overrides: int) -> subprocess.CompletedProcess[str]:
    """The nginx role's own check of the order, run by the real Ansible with the defaults."""
    tasks = load_yaml(NGINX_ROLE / "tasks" / "main.yml")
    (check,) = [task for task in tasks if "ansible.builtin.assert" in task]
    play = [{"hosts": "localhost", "gather_facts": False, "vars_files": [str(LIMITS_FILE)],
             "tasks": [check]}]  # fmt: skip
    (tmp_path / "check.yml").write_text(json.dumps(play))
    extra = [arg for name, value in overrides.items() for arg in ("-e", f"{name}={value}")]
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local",
         str(tmp_path / "check.yml"), *extra],
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_PYTHON_INTERPRETER": sys.executable},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_provisioning_refuses_an_edge_that_keeps_idle_connections_longer_than_the_api(
    tmp_path: Path,
):
    assert provision_assert(tmp_path).returncode == 0
    refused = provision_assert(tmp_path, agrobridge_edge_upstream_idle_seconds=60)
    assert refused.returncode != 0
    assert "nginx must drop an idle connection to the API before the API does" in refused.stdout
