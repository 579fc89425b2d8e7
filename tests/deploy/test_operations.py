"""Operating the deployed host: the runbook's commands, certificate renewals from the ACME
server the site was issued by, and the release pipeline's load step.

Runs after test_deploy.py on its staging host (alone, it provisions and deploys that host
first), before test_restore_drill.py: it leaves the same release live and the host as it was,
with a renewed certificate.
"""

import re
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML (from sanic-ext) ships no stubs

from tests.deploy.conftest import ACME_CA_ON_HOST, DOMAIN, ROOT, Site, run_just
from tests.deploy.hosts import host_shell
from tests.deploy.runbook import EXCLUDED, Command, as_operator, checked_commands, failure, script
from tests.support.waiting import wait_until

_LOAD = re.compile(r'just load "[^"]+" (\S+) (\S+) (\S+)')
# The tier's load step is shorter and gentler than the pipeline's one minute of 50 users: the
# tier's host and this runner share one busy machine.
TIER_LOAD = {"users": "20", "duration": "40s", "spawn_rate": "2"}
# The workflow's P99 target is staging's latency objective on a host of its own; here the host
# shares two cores with the other sites and the runner, so latency is printed, not held to it.
# What the tier holds is the step's failure target, and a ceiling that only a hang would pass.
TIER_HANG_MS = "5000"


@pytest.fixture(scope="module")
def deployed(site: Site, images: dict[str, str]) -> Site:
    if host_shell(site.host, "test -s /etc/ansible/facts.d/agrobridge.fact").returncode != 0:
        # Run alone: the deploy tier has not provisioned and released to the host yet.
        first = site.just("provision", "staging", "-e", "ansible_user=admin", timeout=2400)
        assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
        done = site.just("deploy", "staging", images["good"])
        assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    return site


def test_the_runbook_names_commands_for_every_checked_section():
    commands = checked_commands()
    covered = {command.section for command in commands}
    for section in ("Where things are", "Where the logs are", "ApiDown", "ApiErrorRateHigh",
                    "TlsCertificateExpiringSoon", "MonitoringTargetDown"):  # fmt: skip
        assert section in covered, f"no sh block read from {section!r}"
    assert len(commands) > 30, [str(command) for command in commands]
    print(f"runbook: {len(commands)} commands; excluded sections: {sorted(EXCLUDED)}")


@pytest.mark.parametrize("command", checked_commands(), ids=str)
def test_each_runbook_command_works_on_the_deployed_host(deployed: Site, command: Command):
    done = as_operator(deployed, script(command, DOMAIN))
    assert failure(command, done) is None, failure(command, done)


def served_serial(site: Site) -> str:
    """The serial of the certificate nginx serves on 443, as a client sees it."""
    pem = host_shell(
        site.host,
        f"echo | openssl s_client -connect 127.0.0.1:443 -servername {DOMAIN} 2>/dev/null "
        "| openssl x509 -noout -serial",
    )
    assert pem.returncode == 0, pem.stderr
    return pem.stdout.strip()


def test_a_forced_renewal_against_the_private_acme_server_is_served_by_nginx(deployed: Site):
    before = served_serial(deployed)
    unit = host_shell(deployed.host, "systemctl cat agrobridge-certbot-renew.service")
    assert "ExecStart=/usr/local/sbin/agrobridge-certbot renew" in unit.stdout, unit.stdout
    wrapper = host_shell(deployed.host, "cat /usr/local/sbin/agrobridge-certbot")
    assert f"REQUESTS_CA_BUNDLE={ACME_CA_ON_HOST}" in wrapper.stdout, wrapper.stdout
    # As the renewal unit runs it (its command, nothing of the caller's environment), told to
    # renew now although the certificate is not due.
    renewal = as_operator(
        deployed,
        "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/local/sbin/agrobridge-certbot renew "
        "--force-renewal --no-random-sleep-on-renew",
    )
    assert renewal.returncode == 0, renewal.stdout[-3000:] + renewal.stderr[-3000:]
    # The deploy hook reloaded nginx: its new workers serve the new certificate.
    assert wait_until(lambda: served_serial(deployed) != before, seconds=30), (
        "nginx still serves the certificate from before the renewal"
    )
    after = served_serial(deployed)
    assert after.startswith("serial="), after
    dry_run = as_operator(deployed, "agrobridge-certbot renew --dry-run --no-random-sleep-on-renew")
    assert dry_run.returncode == 0, dry_run.stderr[-3000:]
    print(f"certificate renewed through the private ACME server: {before} -> {after}")


def pipeline_load_step() -> dict[str, Any]:
    """The release workflow's load step (its targets and command), as the staging job runs it."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    steps = workflow["jobs"]["staging"]["steps"]
    found: list[dict[str, Any]] = [step for step in steps if "just load" in step.get("run", "")]
    assert len(found) == 1, found
    return found[0]


def test_the_pipelines_load_step_meets_its_targets_against_the_deployed_host(deployed: Site):
    step = pipeline_load_step()
    targets = {name: str(value) for name, value in step.get("env", {}).items()}
    assert set(targets) == {"LOAD_MAX_P99_MS", "LOAD_MAX_FAILURE_RATIO"}, step
    assert _LOAD.search(step["run"]), step["run"]
    # Through the edge as from the pipeline's runner: the public name, sent to the host's
    # published port; the runner's address is a load source (its per-address limit lifted).
    log = "/var/log/nginx/access.log"
    seen = int(host_shell(deployed.host, f"wc -l < {log}").stdout.strip() or 0)
    env = {
        **deployed.env,
        **targets,
        "LOAD_MAX_P99_MS": TIER_HANG_MS,
        "LOAD_CONNECT_TO": f"{DOMAIN}:443:127.0.0.1:{deployed.host.https_port}",
        "REQUESTS_CA_BUNDLE": str(deployed.pebble.issuing_root),
    }
    done = run_just(
        env, "load", f"https://{DOMAIN}", TIER_LOAD["users"], TIER_LOAD["duration"],
        TIER_LOAD["spawn_rate"], timeout=300,
    )  # fmt: skip
    summary = [line for line in done.stdout.splitlines() if line.startswith("load: ")]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    assert summary, done.stdout[-3000:]
    requests = int(summary[-1].split()[1])
    assert requests > 200, summary
    # Every request reached the API: nginx refused none for its per-address limit.
    lines = host_shell(deployed.host, f"tail -n +{seen + 1} {log}").stdout.splitlines()
    assert len(lines) >= requests, (len(lines), summary)
    refused = [line for line in lines if '"status":429' in line]
    assert refused == [], refused[:3]
    print(summary[-1])
