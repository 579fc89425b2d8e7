"""The API's and the edge's limits as the deployment sets them, for the tests that render nginx/.

They live in the playbooks' group variables (plain numbers); the nginx role turns them into the
templates' placeholders. Both are read here rather than copied, so the edge tests run nginx with
the very values a host gets.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml  # type: ignore[import-untyped]  # PyYAML (from sanic-ext) ships no stubs

ROOT = Path(__file__).resolve().parents[2]
LIMITS_FILE = ROOT / "ansible" / "playbooks" / "group_vars" / "all" / "limits.yml"
NGINX_ROLE = ROOT / "ansible" / "roles" / "nginx"
API_ROLE = ROOT / "ansible" / "roles" / "api"
PGBOUNCER_ROLE = ROOT / "ansible" / "roles" / "pgbouncer"
NGINX_TEMPLATE_TASK = "Ensure the nginx configuration is rendered from nginx/"
# The nginx/ placeholders the limits feed.
LIMIT_PLACEHOLDERS = (
    "agrobridge_nginx_upstream_idle_timeout",
    "agrobridge_nginx_connect_timeout",
    "agrobridge_nginx_send_timeout",
    "agrobridge_nginx_read_timeout",
    "agrobridge_nginx_max_body_size",
)
# The API settings the limits feed (api.env.j2).
API_LIMIT_VARIABLES = (
    "AGROBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS",
    "AGROBRIDGE_REQUEST_READ_TIMEOUT_SECONDS",
    "AGROBRIDGE_RESPONSE_TIMEOUT_SECONDS",
    "AGROBRIDGE_MAX_BODY_BYTES",
)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def limits() -> dict[str, int]:
    loaded: dict[str, int] = load_yaml(LIMITS_FILE)
    return loaded


def nginx_limit_values(*, balancer: bool = False) -> dict[str, str]:
    """The limit placeholders as the nginx role renders them on a single host (or a balancer)."""
    tasks = load_yaml(NGINX_ROLE / "tasks" / "main.yml")
    (task,) = [task for task in tasks if task.get("name") == NGINX_TEMPLATE_TASK]
    context = {
        **load_yaml(NGINX_ROLE / "defaults" / "main.yml"),
        **limits(),
        "nginx_is_balancer": balancer,
    }
    return {
        name: _jinja().from_string(str(task["vars"][name])).render(context).strip()
        for name in LIMIT_PLACEHOLDERS
    }


def rendered_api_env(overrides: Mapping[str, object] | None = None) -> dict[str, str]:
    """The releases' environment file (api role, templates/api.env.j2) with the defaults, and
    `overrides` as an inventory would set them."""
    context = {
        **load_yaml(API_ROLE / "defaults" / "main.yml"),
        **load_yaml(API_ROLE / "vars" / "main.yml"),
        **limits(),
        "ansible_managed": "rendered by the tests",
        **(overrides or {}),
    }
    text = _jinja().from_string((API_ROLE / "templates" / "api.env.j2").read_text()).render(context)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def api_limit_env() -> dict[str, str]:
    """The API's timeouts and body limit as a release gets them."""
    rendered = rendered_api_env()
    return {name: rendered[name] for name in API_LIMIT_VARIABLES}


def rendered_pgbouncer_ini() -> str:
    """PgBouncer's settings (pgbouncer role, templates/pgbouncer.ini.j2) with the defaults; the
    database's address and name are placeholders."""
    context = {
        **load_yaml(PGBOUNCER_ROLE / "defaults" / "main.yml"),
        **limits(),
        "api_database_name": "agrobridge",
        "api_database_host": "db.internal",
        "api_database_port": 5432,
        "api_database_sslmode": "require",
        "api_database_ca_file": "",
        "ansible_managed": "rendered by the tests",
    }
    template = (PGBOUNCER_ROLE / "templates" / "pgbouncer.ini.j2").read_text()
    return _jinja().from_string(template).render(context)


def _jinja() -> jinja2.Environment:
    # Ansible's template module trims blocks the same way; nothing here is HTML.
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        autoescape=False,  # noqa: S701
    )
    environment.filters["bool"] = _ansible_bool
    return environment


def _ansible_bool(value: object) -> bool:
    """Ansible's `bool` filter: YAML's and the shell's words for true, else false."""
    if isinstance(value, str):
        return value.strip().lower() in {"yes", "on", "1", "true", "y"}
    return bool(value)
