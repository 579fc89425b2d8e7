"""The webhook delivery worker on a deployed host: a systemd unit in the live release's image,
following releases and rollbacks, delivering (here: refusing a private target), scraped.

Runs after test_deploy.py, on its host; it leaves the same release live as it found.
"""

import json
import re
import urllib.parse

from tests.deploy.conftest import DOMAIN, Site
from tests.deploy.drill import Api
from tests.deploy.hosts import host_shell
from tests.support.waiting import wait_until

UNIT = "agrobridge-webhooks"


def live_image(site: Site) -> str:
    shown = host_shell(site.host, "agrobridge-release status")
    assert shown.returncode == 0, shown.stderr
    image: str = json.loads(shown.stdout)["image"]
    return image


def worker_image(site: Site) -> str:
    """The image of the worker's running container ('' when there is none)."""
    shown = host_shell(site.host, f"podman inspect --format '{{{{.Image}}}}' {UNIT}")
    return shown.stdout.strip() if shown.returncode == 0 else ""


def journal(site: Site) -> str:
    return host_shell(site.host, f"journalctl -u {UNIT} --no-pager -o cat | tail -n 40").stdout


def assert_worker_runs(site: Site, image: str) -> None:
    active = host_shell(site.host, f"systemctl is-active {UNIT}")
    assert active.stdout.strip() == "active", journal(site)
    assert worker_image(site) == image, journal(site)


def test_the_worker_runs_the_live_release(site: Site, images):
    # test_deploy.py released good, then next, failed to release broken, and rolled back.
    assert live_image(site) == images["good"]
    assert_worker_runs(site, images["good"])
    enabled = host_shell(site.host, f"systemctl is-enabled {UNIT}")
    assert enabled.stdout.strip() == "enabled"


def test_the_worker_follows_a_rollback_and_stops_gracefully(site: Site, images):
    done = site.just("rollback", "staging")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    try:
        assert live_image(site) == images["next"]
        assert_worker_runs(site, images["next"])
        # SIGTERM: the old worker finished its work and closed its connections before the new
        # one started (which logs so once it has connected: a moment after its unit is active,
        # 31 s after it on a host sharing two cores with the other sites at a load average of 16).
        handed_over = re.compile(r"webhook worker stopped[\s\S]*webhook worker started")
        assert wait_until(
            lambda: handed_over.search(journal(site)) is not None, seconds=120, every=1
        ), journal(site)
    finally:
        back = site.just("rollback", "staging", images["good"])
        assert back.returncode == 0, back.stdout[-5000:] + back.stderr[-2000:]
    assert live_image(site) == images["good"]
    assert_worker_runs(site, images["good"])


def test_the_worker_claims_a_delivery_and_refuses_a_private_target(site: Site):
    api = Api(site.host.https_port, site.pebble.issuing_root)
    api.register()
    api.login()
    # The public name resolves to the host itself (127.0.0.1): accepted as a name when
    # subscribed, refused by the worker when it resolves it before sending (SSRF).
    created = api.call(
        "POST",
        "/webhooks",
        {"url": f"https://{DOMAIN}/partner-hook", "event_types": ["batch.cancelled"]},
    )
    assert created.status_code == 201, created.text
    webhook = created.json()["id"]
    assert api.write_batch("Webhook Worker Tomatoes") is not None

    deliveries: list[dict[str, object]] = []

    def attempted() -> bool:
        answer = api.call("GET", f"/webhooks/{webhook}/deliveries")
        assert answer.status_code == 200, answer.text
        deliveries[:] = answer.json()["data"]
        return bool(deliveries) and int(str(deliveries[0]["attempts"])) >= 1

    assert wait_until(attempted, seconds=90, every=1), (deliveries, journal(site))
    delivery = deliveries[0]
    assert delivery["event_type"] == "batch.cancelled"
    assert delivery["state"] == "pending"  # retried later, never sent
    assert delivery["last_error"] == "refused: the host resolves to a loopback address", delivery
    deleted = api.call("DELETE", f"/webhooks/{webhook}")
    assert deleted.status_code == 204, deleted.text


def test_the_workers_metrics_answer_on_loopback_and_prometheus_scrapes_them(site: Site):
    metrics = host_shell(site.host, "curl -sf http://127.0.0.1:9464/metrics")
    assert metrics.returncode == 0, journal(site)
    assert "agrobridge_webhook_queue_due" in metrics.stdout
    listening = host_shell(site.host, "ss -Htln 'sport = :9464'")
    addresses = {line.split()[3] for line in listening.stdout.splitlines()}
    assert addresses == {"127.0.0.1:9464"}, listening.stdout

    query = urllib.parse.quote('up{job="agrobridge-webhooks"}')
    answer: list[str] = [""]

    def scraped() -> bool:
        done = host_shell(site.host, f"curl -s 'http://127.0.0.1:9090/api/v1/query?query={query}'")
        answer[0] = done.stdout
        result = json.loads(done.stdout or "{}").get("data", {}).get("result", [])
        return any(r["value"][1] == "1" for r in result)

    assert wait_until(scraped, seconds=90, every=2), answer
    rules = host_shell(site.host, "curl -s http://127.0.0.1:9090/api/v1/rules")
    for alert in ("WebhookBacklogGrowing", "WebhookEndpointDisabled"):
        assert alert in rules.stdout
