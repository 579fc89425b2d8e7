"""From a bare host to zero-downtime releases and rollbacks, through the real recipes.

The tests run in file order and build on each other, as an operator's day would.
"""

import json
import re
import socket
import ssl
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.deploy.conftest import DOMAIN, ROOT, CiTrust, Site
from tests.deploy.hosts import derived_image, host_shell
from tests.deploy.traffic import Traffic
from tests.support.waiting import wait_until

RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
ROLLED_BACK = re.compile(r"rolled back in ([\d.]+) s")


def recap(done: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    found = RECAP.findall(done.stdout)
    assert found, done.stdout[-3000:] + done.stderr[-2000:]
    return sum(int(c) for _, c, _, _ in found), sum(int(f) + int(u) for _, _, u, f in found)


def edge_tls(site: Site) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(site.pebble.issuing_root))


def traffic(site: Site) -> Traffic:
    """Reads and writes through the edge (a batch created every fourth request)."""
    url = f"https://127.0.0.1:{site.host.https_port}/api/v1/health/ready"
    return Traffic(url, DOMAIN, edge_tls(site), writes=True)


def why(site: Site, done: subprocess.CompletedProcess[str], failures: list[str]) -> str:
    """What a failed release test shows: the first failed requests, the release tool's log
    and nginx's errors, side by side in time."""
    errors = host_shell(site.host, "grep -v ssl_stapling /var/log/nginx/error.log | tail -n 12")
    slots = host_shell(
        site.host,
        "journalctl -u 'agrobridge-api@*' --since -3min -o short-precise --no-pager | tail -n 40",
    )
    return (
        f"{len(failures)} failed: {failures[:3]} ... {failures[-2:]}\n"
        f"{done.stdout[-3000:]}{done.stderr[-1000:]}\nnginx errors:\n{errors.stdout}\n"
        f"release slots:\n{slots.stdout}"
    )


def status(site: Site) -> dict[str, Any]:
    shown = host_shell(site.host, "agrobridge-release status")
    assert shown.returncode == 0, shown.stderr
    loaded: dict[str, Any] = json.loads(shown.stdout)
    return loaded


def live_image(site: Site) -> str:
    return str(status(site)["image"])


def last_release(site: Site) -> dict[str, object]:
    shown = host_shell(site.host, "tail -n 1 /var/lib/agrobridge/releases.jsonl")
    loaded: dict[str, object] = json.loads(shown.stdout)
    return loaded


def upstream_port(site: Site) -> int:
    """The port of the first server in nginx's upstream: the release nginx sends requests to."""
    shown = host_shell(
        site.host, "grep -m1 -oE 'server 127.0.0.1:[0-9]+' /etc/nginx/conf.d/agrobridge.conf"
    )
    return int(shown.stdout.strip().rsplit(":", 1)[-1])


def slot_ready(site: Site, port: int) -> bool:
    url = f"http://127.0.0.1:{port}/api/v1/health/ready"
    return host_shell(site.host, f"curl -fsS -o /dev/null --max-time 2 {url}").returncode == 0


def assert_every_write_kept(site: Site, client: Traffic) -> None:
    """Every batch the API acknowledged during the release is in the database."""
    query = f"SELECT 'kept=' || count(*) FROM batches WHERE product = '{client.product}'"  # noqa: S608 (a name the test made)
    done = psql_as_api(site, query)
    assert done.returncode == 0, done.stderr
    assert f"kept={len(client.created)}" in done.stdout, (client.created, done.stdout)
    assert client.created, "no write was acknowledged during the release"


def test_provisioning_a_bare_host_then_again_changes_nothing(site: Site):
    # First run: as the image's own sudo user; it creates the deploy user everything else uses.
    first = site.just("provision", "staging", "-e", "ansible_user=admin", timeout=1200)
    assert first.returncode == 0, first.stdout[-5000:] + first.stderr[-2000:]
    changed, failed = recap(first)
    assert changed > 0
    assert failed == 0

    again = site.just("provision", "staging", timeout=900)
    assert again.returncode == 0, again.stdout[-5000:] + again.stderr[-2000:]
    assert recap(again) == (0, 0), again.stdout[-5000:]
    print(f"provisioning: {changed} changes on the bare host, then changed=0")


def test_ssh_takes_keys_only_and_refuses_root(site: Site):
    key = site.workdir / "id_ed25519"
    known_hosts = site.workdir / "known_hosts"
    base = ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={known_hosts}",
            "-p", str(site.host.ssh_port)]  # fmt: skip
    as_deploy = subprocess.run([*base, "-i", str(key), "deploy@127.0.0.1", "sudo", "-n", "true"],
                               capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert as_deploy.returncode == 0, as_deploy.stderr
    as_root = subprocess.run([*base, "-i", str(key), "root@127.0.0.1", "true"],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert as_root.returncode != 0
    config = host_shell(site.host, "sshd -T | grep -E '^(passwordauthentication|permitrootlogin) '")
    assert "passwordauthentication no" in config.stdout
    assert "permitrootlogin no" in config.stdout


def test_https_uses_a_certificate_issued_through_certbot_by_the_acme_server(site: Site):
    with (
        socket.create_connection(("127.0.0.1", site.host.https_port), timeout=10) as raw,
        edge_tls(site).wrap_socket(raw, server_hostname=DOMAIN) as tls,
    ):
        certificate = tls.getpeercert()
        version = tls.version()
    assert certificate is not None
    issuer = str(certificate["issuer"])
    assert "Pebble" in issuer, issuer
    assert ("DNS", DOMAIN) in certificate["subjectAltName"]
    assert version == "TLSv1.3"


def test_a_deploy_refuses_an_image_ci_did_not_pass(site: Site, images, ci_trust: CiTrust):
    unattested = derived_image(images["good"], "unattested")
    try:
        done = site.just("deploy", "staging", unattested)
        assert done.returncode != 0
        assert "CI has not passed image" in done.stderr, done.stdout + done.stderr
        assert "releasing image" not in done.stdout
        # Nor one attested by a key CI's allowed-signers file does not list.
        other = site.workdir / "not-ci"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
                       check=True)  # fmt: skip
        ci_trust.attest(unattested, other)
        done = site.just("deploy", "staging", unattested)
        assert done.returncode != 0
        assert "not signed by a trusted CI key" in done.stderr, done.stdout + done.stderr
        assert "releasing image" not in done.stdout
    finally:
        subprocess.run(["podman", "rmi", unattested], capture_output=True, check=False)


def test_a_first_deploy_serves_the_smoke_test_through_the_edge(site: Site, images):
    done = site.just("deploy", "staging", images["good"])
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert live_image(site) == images["good"]

    # `just smoke https://DOMAIN` from outside: curl's own config sends the name to the
    # published port and trusts the ACME server's root, nothing else.
    curl_home = site.workdir / "curl"
    curl_home.mkdir(exist_ok=True)
    (curl_home / ".curlrc").write_text(
        f'connect-to = "{DOMAIN}:443:127.0.0.1:{site.host.https_port}"\n'
        f'cacert = "{site.pebble.issuing_root}"\n'
    )
    smoke = subprocess.run(
        [str(ROOT / "scripts" / "just"), "smoke", f"https://{DOMAIN}"],
        cwd=ROOT,
        env={**site.env, "CURL_HOME": str(curl_home)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "smoke: passed" in smoke.stdout


def test_a_deploy_under_traffic_fails_no_request(site: Site, images):
    with traffic(site) as client:
        done = site.just("deploy", "staging", images["next"])
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert live_image(site) == images["next"]
    assert client.sent > 50
    assert client.failures == [], why(site, done, client.failures)
    assert_every_write_kept(site, client)
    print(
        f"deploy under traffic: {client.sent} requests, {len(client.created)} writes, "
        f"{len(client.failures)} failed"
    )


def test_a_broken_release_is_rolled_back_by_itself_without_failing_a_request(site: Site, images):
    with traffic(site) as client:
        done = site.just("deploy", "staging", images["broken"])
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-5000:]
    assert "exited while starting" in output, output[-5000:]
    seconds = float(ROLLED_BACK.findall(output)[-1])
    assert seconds < 60
    assert live_image(site) == images["next"]
    assert client.failures == [], why(site, done, client.failures)
    assert_every_write_kept(site, client)
    # The reason kept is the server's own last words, not the container manager's events.
    recorded = last_release(site)
    assert recorded["result"] == "failed", recorded
    assert "this release is broken on purpose" in str(recorded["reason"]), recorded
    print(
        f"broken release: rolled back by itself in {seconds} s; "
        f"{client.sent} requests, {len(client.created)} writes, {len(client.failures)} failed"
    )


def test_a_release_that_dies_after_the_switch_is_rolled_back_without_failing_a_request(
    site: Site, images
):
    # The old release stays nginx's backup server until the new one has passed its watch: a
    # connection the dead release refuses goes to the old one, a POST included.
    before = status(site)
    ports = json.loads(host_shell(site.host, "cat /etc/agrobridge/release.json").stdout)["ports"]
    color = "green" if before["active_color"] == "blue" else "blue"
    with traffic(site) as client, ThreadPoolExecutor(1) as pool:
        deploy = pool.submit(site.just, "deploy", "staging", images["good"])
        switched = wait_until(
            lambda: deploy.done() or upstream_port(site) == ports[color], seconds=600, every=0.2
        )
        assert switched, "the deploy never switched nginx to the new release"
        assert not deploy.done(), deploy.result().stdout[-5000:]
        with client.between_writes():
            killed = host_shell(site.host, f"podman kill agrobridge-api-{color}")
        died_at = time.monotonic()
        done = deploy.result(timeout=600)
    output = done.stdout + done.stderr
    assert killed.returncode == 0, killed.stderr
    assert done.returncode != 0, output[-5000:]
    assert live_image(site) == images["next"]
    assert upstream_port(site) == before["active_port"]
    assert last_release(site)["result"] == "rolled-back", output[-5000:]
    assert client.failures == [], why(site, done, client.failures)
    assert_every_write_kept(site, client)
    print(
        f"release dead after the switch: rolled back {time.monotonic() - died_at:.1f} s after; "
        f"{client.sent} requests, {len(client.created)} writes, {len(client.failures)} failed"
    )


def test_rollback_restores_the_previous_release(site: Site, images):
    started = time.monotonic()
    with traffic(site) as client:
        done = site.just("rollback", "staging")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert live_image(site) == images["good"]
    assert client.failures == [], why(site, done, client.failures)
    print(
        f"just rollback: {elapsed:.1f} s in all; {client.sent} requests, "
        f"{len(client.failures)} failed"
    )


def test_a_killed_live_release_fails_over_to_its_standby_without_failing_a_request(
    site: Site, images
):
    live = status(site)
    assert live["standby_port"], live  # the release before it, kept running behind it
    with traffic(site) as client:
        assert wait_until(lambda: len(client.created) >= 3, seconds=60)
        with client.between_writes():
            killed = host_shell(site.host, f"podman kill agrobridge-api-{live['active_color']}")
        killed_at = time.monotonic()
        sent_at_kill = client.sent
        back = wait_until(
            lambda: slot_ready(site, int(live["active_port"])), seconds=120, every=0.5
        )
        back_after = time.monotonic() - killed_at
        # And a few seconds of traffic once it is back, when nginx tries it again.
        assert wait_until(lambda: client.sent >= sent_at_kill + 80, seconds=60)
    assert killed.returncode == 0, killed.stderr
    assert back, "the killed release did not come back"
    assert client.failures == [], client.failures
    assert_every_write_kept(site, client)
    assert status(site)["image"] == live["image"]
    print(
        f"killed live container: back in {back_after:.1f} s, served by the standby meanwhile; "
        f"{client.sent} requests, {len(client.created)} writes, {len(client.failures)} failed"
    )


def test_releases_lists_every_attempt(site: Site, images):
    done = site.just("releases", "staging")
    assert done.returncode == 0, done.stdout[-3000:]
    for image in images.values():
        assert image[:12] in done.stdout
    for word in ("failed", "rollback", "<- live"):
        assert word in done.stdout


def test_production_refuses_an_image_staging_did_not_release(site: Site, images):
    done = site.just("deploy", "production", "--yes", images["broken"])
    assert done.returncode != 0
    assert "did not go live on staging" in done.stderr, done.stdout[-3000:] + done.stderr


def psql_as_api(site: Site, sql: str, sslmode: str = "require") -> subprocess.CompletedProcess[str]:
    """psql with the API's own credentials straight to PostgreSQL (from the webhook worker's
    direct URL on the host, whose own sslmode is replaced by the one asked for)."""
    return host_shell(
        site.host,
        f"PGSSLMODE={sslmode} psql -Xv ON_ERROR_STOP=1 "
        "\"$(sed 's/[?]sslmode=.*//' /etc/agrobridge/secrets/AGROBRIDGE_DATABASE_LISTEN_URL)\" "
        f'-c "{sql}"',
    )


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_logs SET action = action", "permission denied"),
        ("DELETE FROM audit_logs", "permission denied"),
        ("TRUNCATE audit_logs", "permission denied"),
        ("ALTER TABLE audit_logs DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TABLE audit_logs", "must be owner"),
    ],
)
def test_the_api_role_cannot_change_the_audit_log(site: Site, statement, refusal):
    done = psql_as_api(site, statement)
    assert done.returncode != 0
    assert refusal in done.stderr, done.stderr


def test_the_api_role_reads_and_appends_to_the_audit_log(site: Site):
    done = psql_as_api(site, "SELECT count(*) FROM audit_logs")
    assert done.returncode == 0, done.stderr


def test_the_daily_partition_job_runs_in_the_live_image_and_finds_the_months_made(site: Site):
    timer = host_shell(site.host, "systemctl is-enabled agrobridge-partitions.timer")
    assert timer.stdout.strip() == "enabled"
    # The release's migrate made them; the job, run now as its timer would, finds them there.
    done = host_shell(site.host, "systemctl start agrobridge-partitions.service")
    assert done.returncode == 0, done.stderr
    journal = host_shell(site.host, "journalctl -u agrobridge-partitions.service -o cat --no-pager")
    assert "made: nothing (3 months ahead exist)" in journal.stdout, journal.stdout[-2000:]


def test_postgresql_refuses_md5_passwords_and_unencrypted_connections(site: Site):
    # A role pg_hba admits, with its password stored as md5 (as an old server or a careless
    # ALTER ROLE leaves it): SCRAM-only authentication refuses it. The owner role's own SCRAM
    # secret is put back afterwards, exactly as it was.
    read_secret = (
        "runuser -u postgres -- psql -XtAc "
        "\"SELECT rolpassword FROM pg_authid WHERE rolname = 'agrobridge_owner'\""
    )
    secret = host_shell(site.host, read_secret).stdout.strip()
    assert secret.startswith("SCRAM-SHA-256$"), secret
    try:
        md5 = host_shell(
            site.host,
            "runuser -u postgres -- psql -Xqc \"SET password_encryption = 'md5'; "
            "ALTER ROLE agrobridge_owner PASSWORD 'legacy-password'\" "
            "&& PGPASSWORD=legacy-password PGSSLMODE=require "
            "psql -Xw -h 127.0.0.1 -U agrobridge_owner -d agrobridge -c 'SELECT 1'",
        )
    finally:
        put_back = host_shell(
            site.host,
            "runuser -u postgres -- psql -Xq -v ON_ERROR_STOP=1 -v secret=\"$SECRET\" <<'SQL'\n"
            "ALTER ROLE agrobridge_owner PASSWORD :'secret';\nSQL\n",
            env={"SECRET": secret},
        )
        assert put_back.returncode == 0, put_back.stderr
    assert host_shell(site.host, read_secret).stdout.strip() == secret
    assert md5.returncode != 0
    assert "password authentication failed" in md5.stderr, md5.stderr
    plain = psql_as_api(site, "SELECT 1", sslmode="disable")
    assert plain.returncode != 0
    assert "no encryption" in plain.stderr, plain.stderr


def test_the_api_connects_to_postgresql_with_tls(site: Site):
    done = host_shell(
        site.host,
        'runuser -u postgres -- psql -XtAc "SELECT ssl, count(*) FROM pg_stat_ssl '
        "JOIN pg_stat_activity USING (pid) WHERE usename = 'agrobridge_api' GROUP BY ssl\"",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("t|"), done.stdout
    assert "f|" not in done.stdout, done.stdout


def test_the_api_goes_through_pgbouncer_whose_sessions_keep_the_apis_timeouts(site: Site):
    pooled = "$(cat /etc/agrobridge/secrets/AGROBRIDGE_DATABASE_URL)"
    shown = host_shell(
        site.host, f'psql -XtA "{pooled}" -c "SHOW statement_timeout" -c "SHOW lock_timeout"'
    )
    assert shown.returncode == 0, shown.stderr
    assert ":6432/" in host_shell(site.host, f'echo "{pooled}"').stdout
    assert shown.stdout.split() == ["5s", "2s"]


def test_the_api_answers_503_while_pgbouncer_is_down_and_recovers_by_itself(site: Site):
    url = f"http://127.0.0.1:{upstream_port(site)}/api/v1/health/ready"

    def ready() -> str:
        shown = host_shell(site.host, f"curl -s -o /dev/null -w '%{{http_code}}' {url}")
        return shown.stdout

    assert ready() == "200"
    host_shell(site.host, "systemctl stop pgbouncer")
    try:
        assert wait_until(lambda: ready() == "503", seconds=30)
    finally:
        host_shell(site.host, "systemctl start pgbouncer")
    assert wait_until(lambda: ready() == "200", seconds=60)


def test_redis_refuses_an_unauthenticated_client(site: Site):
    done = host_shell(site.host, "redis-cli -h 127.0.0.1 ping; redis-cli -h 127.0.0.1 get x")
    assert "NOAUTH" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "PONG" not in done.stdout


def test_prometheus_scrapes_the_live_release(site: Site):
    deadline = time.monotonic() + 90
    while True:
        done = host_shell(
            site.host,
            "curl -s 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22agrobridge-api%22%7D'",
        )
        if '"value":[' in done.stdout and '"1"]' in done.stdout:
            break
        assert time.monotonic() < deadline, done.stdout
        time.sleep(2)
    rules = host_shell(site.host, "curl -s http://127.0.0.1:9090/api/v1/rules")
    for alert in ("HostHighCpuUsage", "HostHighMemoryUsage", "ApiDown", "ApiHealthCheckFailing"):
        assert alert in rules.stdout
