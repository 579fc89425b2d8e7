"""Render the nginx/ templates for the tests, as Ansible's template module would.

The templates use plain `{{ name }}` substitution and nothing else of Jinja2, so this renderer
and Ansible produce the same files. It refuses a name without a value and any other Jinja
syntax, so the two can never quietly disagree.
"""

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "nginx"
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_OTHER_JINJA = re.compile(r"\{[{%#]")


def render(text: str, values: Mapping[str, str], source: str) -> str:
    def value(match: re.Match[str]) -> str:
        if match[1] not in values:
            raise KeyError(f"{source}: no value for '{match[1]}'")
        return values[match[1]]

    rendered = _PLACEHOLDER.sub(value, text)
    if leftover := _OTHER_JINJA.search(rendered):
        raise ValueError(f"{source}: unsupported template syntax near {leftover[0]!r}")
    return rendered


# An app host's listener behind balancers: instead of conf.d/agrobridge.conf, never beside it
# (the deploy tier's multi-host test runs it).
BACKEND_SITE = "conf.d/agrobridge-backend.conf"


def render_tree(values: Mapping[str, str], destination: Path) -> None:
    """Every template under nginx/ (not the docs, not the backend site) into `destination`,
    keeping file modes."""
    for source in sorted(TEMPLATES.rglob("*")):
        if not source.is_file() or source.suffix == ".md":
            continue
        if str(source.relative_to(TEMPLATES)) == BACKEND_SITE:
            continue
        target = destination / source.relative_to(TEMPLATES)
        target.parent.mkdir(parents=True, exist_ok=True)
        name = str(source.relative_to(TEMPLATES))
        target.write_text(render(source.read_text(), values, name))
        shutil.copymode(source, target)
