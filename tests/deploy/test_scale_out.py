"""Growing past one machine by inventory alone: a balancer, two app hosts and a managed-style
database host, provisioned and released to through the real recipes.

The tests run in file order and build on each other: provision, release, sessions across
hosts, a rolling release under load, a release that fails on the second host, and an app host
that goes away under load.
"""

import json
import secrets
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.deploy.conftest import DOMAIN
from tests.deploy.hosts import host_shell, podman
from tests.deploy.scale_out import APPS, ScaledSite, scaled_site
from tests.deploy.test_deploy import recap
from tests.deploy.traffic import REQUESTS_PER_SECOND, Traffic

# nginx's passive health check on the balancer (roles/nginx/defaults: fail_timeout).
FAIL_TIMEOUT_SECONDS = 5


@pytest.fixture(scope="module")
def site() -> Iterator[ScaledSite]:
    with scaled_site(f"agrobridge-scale-{uuid.uuid4().hex[:8]}") as made:
        yield made


def traffic(site: ScaledSite) -> Traffic:
    url = f"https://127.0.0.1:{site.hosts['lb-1'].https_port}/api/v1/health/ready"
    tls = ssl.create_default_context(cafile=str(site.pebble.issuing_root))
    return Traffic(url, DOMAIN, tls)


def status(site: ScaledSite, name: str) -> dict[str, object]:
    shown = host_shell(site.hosts[name], "agrobridge-release status")
    assert shown.returncode == 0, shown.stderr
    loaded: dict[str, object] = json.loads(shown.stdout)
    return loaded


def releases(site: ScaledSite, name: str) -> list[dict[str, object]]:
    shown = host_shell(site.hosts[name], "cat /var/lib/agrobridge/releases.jsonl")
    return [json.loads(line) for line in shown.stdout.splitlines() if line]


def on_app_host(
    site: ScaledSite, name: str, method: str, path: str, body: object = None, token: str = ""
) -> tuple[int, dict[str, object]]:
    """A request to one app host's listener, sent from the balancer (the firewall admits only
    the balancers there)."""
    url = f"http://{site.address(name)}:8080{path}"
    command = ["curl", "-s", "-w", "\n%{http_code}", "-X", method, url,
               "-H", "content-type: application/json"]  # fmt: skip
    if token:
        command += ["-H", f"authorization: Bearer {token}"]
    if body is not None:
        command += ["--data-binary", "@-"]
    done = subprocess.run(
        ["podman", "exec", "-i", site.hosts["lb-1"].container, *command],
        input=json.dumps(body) if body is not None else None,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text, _, code = done.stdout.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else {})


def why(site: ScaledSite, done: subprocess.CompletedProcess[str], failures: list[str]) -> str:
    errors = host_shell(site.hosts["lb-1"], "grep -v ssl_stapling /var/log/nginx/error.log | tail")
    return (
        f"{len(failures)} failed: {failures[:5]}\n{done.stdout[-4000:]}{done.stderr[-1000:]}\n"
        f"balancer's nginx errors:\n{errors.stdout}"
    )


def test_the_database_host_then_the_site_are_provisioned_by_inventory(site: ScaledSite):
    database = site.provision_database()
    assert database.returncode == 0, database.stdout[-5000:] + database.stderr[-2000:]

    first = site.just("provision", "staging", "-e", "ansible_user=admin", timeout=1500)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    again = site.just("provision", "staging", timeout=900)
    assert again.returncode == 0, again.stdout[-5000:] + again.stderr[-2000:]
    assert recap(again) == (0, 0), again.stdout[-5000:]


def test_app_hosts_have_no_database_and_share_one_signing_key(site: ScaledSite):
    keys = set()
    for name in APPS:
        installed = host_shell(
            site.hosts[name],
            "dpkg-query -W -f='${Package} ${Status}\\n' postgresql-15 redis-server 2>&1 || true",
        )
        assert "install ok installed" not in installed.stdout, installed.stdout
        key = host_shell(site.hosts[name], "sha256sum /etc/agrobridge/secrets/jwt-signing.pem")
        assert key.returncode == 0, key.stderr
        keys.add(key.stdout.split()[0])
    assert len(keys) == 1


def test_a_first_deploy_releases_every_app_host(site: ScaledSite, images):
    done = site.just("deploy", "staging", images["good"], timeout=1200)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    for name in APPS:
        assert status(site, name)["image"] == images["good"]


def test_the_api_reaches_postgresql_and_redis_over_verified_tls(site: ScaledSite):
    for name in APPS:
        # The releases go through PgBouncer on their host, which verifies the database server
        # as the webhook worker's direct connection does.
        direct = "cat /etc/agrobridge/secrets/AGROBRIDGE_DATABASE_LISTEN_URL"
        assert "sslmode=verify-full" in host_shell(site.hosts[name], direct).stdout
        bouncer = host_shell(site.hosts[name], "cat /etc/pgbouncer/pgbouncer.ini").stdout
        assert "server_tls_sslmode = verify-full" in bouncer
        assert "server_tls_ca_file = " in bouncer
        redis = host_shell(site.hosts[name], "cat /etc/agrobridge/secrets/AGROBRIDGE_REDIS_URL")
        assert redis.stdout.startswith("rediss://"), "Redis is not reached over TLS"
        assert "ssl_ca_certs=" in redis.stdout
    sessions = host_shell(
        site.hosts["db-1"],
        'runuser -u postgres -- psql -XtAc "SELECT ssl, count(*) FROM pg_stat_ssl '
        "JOIN pg_stat_activity USING (pid) WHERE usename = 'agrobridge_api' GROUP BY ssl\"",
    )
    assert sessions.stdout.strip().startswith("t|"), sessions.stdout + sessions.stderr
    assert "f|" not in sessions.stdout
    plain = host_shell(site.hosts["db-1"], "ss -Hltn | awk '{print $4}'")
    assert ":6379" not in plain.stdout, f"Redis's plain port is open: {plain.stdout}"


def test_a_session_made_on_one_app_host_works_and_ends_on_the_other(site: ScaledSite):
    email = f"scale-{secrets.token_hex(4)}@example.com"
    password = secrets.token_hex(12)
    account = {"email": email, "password": password, "full_name": "Scale Out"}
    code, _ = on_app_host(site, "app-1", "POST", "/api/v1/auth/register", account)
    assert code == 201
    credentials = {"email": email, "password": password}
    code, login = on_app_host(site, "app-1", "POST", "/api/v1/auth/login", credentials)
    assert code == 200, login

    code, refreshed = on_app_host(site, "app-2", "POST", "/api/v1/auth/refresh",
                                  {"refresh_token": login["refresh_token"]})  # fmt: skip
    assert code == 200, refreshed
    token = str(refreshed["access_token"])
    code, me = on_app_host(site, "app-2", "GET", "/api/v1/auth/me", token=token)
    assert (code, me.get("email")) == (200, email)

    code, _ = on_app_host(site, "app-1", "POST", "/api/v1/auth/logout", {}, token=token)
    assert code == 204
    code, refused = on_app_host(site, "app-2", "GET", "/api/v1/auth/me", token=token)
    assert code == 401, refused


def test_an_app_hosts_listener_answers_the_balancer_only(site: ScaledSite):
    probe = f"curl -s -m 3 -o /dev/null -w '%{{http_code}}' http://{site.address('app-1')}:8080/api/v1/health"
    assert host_shell(site.hosts["lb-1"], probe).stdout == "200"
    # Another app host is not a balancer: the firewall drops it (curl's 000: no answer).
    assert host_shell(site.hosts["app-2"], probe).stdout == "000"


def test_the_api_sees_the_address_the_balancer_saw(site: ScaledSite):
    # Through the balancer and an app host's listener: two proxies, one client address.
    base = f"https://127.0.0.1:{site.hosts['lb-1'].https_port}/api/v1"
    tls = ssl.create_default_context(cafile=str(site.pebble.issuing_root))
    account = {"email": f"edge-{secrets.token_hex(4)}@example.com",
               "password": secrets.token_hex(12), "full_name": "Edge Client"}  # fmt: skip
    request_id = f"scale-{uuid.uuid4().hex}"
    sni = {"sni_hostname": DOMAIN}
    with httpx.Client(verify=tls, timeout=30, headers={"Host": DOMAIN}) as client:
        assert client.post(f"{base}/auth/register", json=account, extensions=sni).status_code == 201
        credentials = {"email": account["email"], "password": account["password"]}
        login = client.post(f"{base}/auth/login", json=credentials, extensions=sni,
                            headers={"X-Request-ID": request_id})  # fmt: skip
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        sessions = client.get(f"{base}/auth/sessions", extensions=sni,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert sessions.status_code == 200, sessions.text
    logged = host_shell(
        site.hosts["lb-1"], f'grep -F \'"request_id":"{request_id}"\' /var/log/nginx/access.log'
    )
    seen = json.loads(logged.stdout.splitlines()[0])["client"]
    assert [s["ip"] for s in sessions.json()["data"]] == [seen]
    assert seen not in {host.address for host in site.hosts.values()}


def test_prometheus_scrapes_every_app_host_by_name(site: ScaledSite):
    query = "curl -s 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22agrobridge-api%22%7D'"
    deadline = time.monotonic() + 90
    while True:
        answer = host_shell(site.hosts["lb-1"], query).stdout
        up = {
            series["metric"].get("host"): series["value"][1]
            for series in json.loads(answer or "{}").get("data", {}).get("result", [])
        }
        if up == {name: "1" for name in APPS}:
            break
        assert time.monotonic() < deadline, answer
        time.sleep(2)


def test_a_rolling_release_under_load_fails_no_request(site: ScaledSite, images):
    with traffic(site) as client:
        done = site.just("deploy", "staging", images["next"], timeout=1200)
    assert done.returncode == 0, why(site, done, client.failures)
    for name in APPS:
        assert status(site, name)["image"] == images["next"]
    assert client.sent > 50
    assert client.failures == [], why(site, done, client.failures)

    # One host at a time: the second started only after the first was live.
    first, second = (
        next(e for e in reversed(releases(site, name)) if e["image"] == images["next"])
        for name in APPS
    )
    first_done = time.mktime(time.strptime(str(first["time"])[:19], "%Y-%m-%dT%H:%M:%S")) + float(
        str(first["seconds"])
    )
    second_began = time.mktime(time.strptime(str(second["time"])[:19], "%Y-%m-%dT%H:%M:%S"))
    assert second_began >= first_done - 1, (first, second)
    upstream = host_shell(site.hosts["lb-1"], "grep -c ' down;' /etc/nginx/conf.d/agrobridge.conf")
    assert upstream.stdout.strip() == "0", "an app host was left out of the balancer"
    print(f"rolling release: {client.sent} requests through the balancer, 0 failed")


def test_a_release_failing_on_the_second_host_rolls_every_host_back(site: ScaledSite, images):
    # Something else holds the idle release port of app-2: its release cannot start there.
    # (The standby that runs there is stopped first, as if it had died.)
    live = status(site, "app-2")
    idle_port = 8001 if live["active_port"] == 8002 else 8002
    idle_color = "green" if live["active_color"] == "blue" else "blue"
    stopped = host_shell(site.hosts["app-2"], f"systemctl stop agrobridge-api@{idle_color}")
    assert stopped.returncode == 0, stopped.stderr
    squatter = subprocess.Popen(
        ["podman", "exec", site.hosts["app-2"].container,
         "python3", "-m", "http.server", "--bind", "127.0.0.1", str(idle_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with traffic(site) as client:
            done = site.just("deploy", "staging", images["good"], timeout=1200)
    finally:
        squatter.terminate()
        host_shell(site.hosts["app-2"], f"pkill -f 'http.server --bind 127.0.0.1 {idle_port}'")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-5000:]
    assert "app-2 did not go live" in output, output[-5000:]
    for name in APPS:
        assert status(site, name)["image"] == images["next"], name
    assert any(e["kind"] == "rollback" for e in releases(site, "app-1")[-1:]), releases(
        site, "app-1"
    )[-2:]
    assert client.failures == [], why(site, done, client.failures)
    print(f"release failing on app-2: both hosts back; {client.sent} requests, 0 failed")


def test_an_app_host_that_stops_is_taken_out_by_the_balancer(site: ScaledSite):
    with traffic(site) as client:
        time.sleep(5)
        stopped_at = time.monotonic()
        podman("stop", "-t", "10", site.hosts["app-2"].container, timeout=120)
        time.sleep(3 * FAIL_TIMEOUT_SECONDS)
    late = [t for t in client.failed_at if t > stopped_at + FAIL_TIMEOUT_SECONDS]
    print(
        f"app host stopped under load: {client.sent} requests, {len(client.failures)} failed "
        f"({len(late)} more than {FAIL_TIMEOUT_SECONDS} s after the stop): {client.failures[:5]}"
    )
    assert len(client.failures) <= REQUESTS_PER_SECOND * FAIL_TIMEOUT_SECONDS
    assert late == []
    # The balancer noticed by itself: its connections to the stopped host failed.
    errors = host_shell(site.hosts["lb-1"], "grep -v ssl_stapling /var/log/nginx/error.log")
    assert f"{site.address('app-2')}:8080" in errors.stdout, errors.stdout[-2000:]
