"""The /verify/{code} page as a person who scanned the QR code sees it: headless Chromium at a
phone's viewport, every host but the test server unreachable. The screenshot is
kept (AGROBRIDGE_TEST_ARTIFACTS, default build/test-artifacts) for CI to publish."""

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import batch_body, server_env, sign_up, tx_hash, user_id
from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server

ROOT = Path(__file__).resolve().parents[2]
PHONE = (390, 844)
# Debian's Chromium, headless and quiet: no sandbox (CI runs as root), no background traffic.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    f"--window-size={PHONE[0]},{PHONE[1]}",
]


def chromium() -> str:
    named = os.environ.get("AGROBRIDGE_TEST_CHROMIUM")
    found = shutil.which(named) if named else shutil.which("chromium")
    if found is None:
        pytest.fail("Chromium is not installed: run scripts/install-test-deps.sh", pytrace=False)
    return found


def artifacts() -> Path:
    folder = Path(os.environ.get("AGROBRIDGE_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    env = server_env(database_url, backends.redis_url, signing_key)
    log = tmp_path_factory.mktemp("browser") / "api.log"
    with api_server(env, log, workers=1) as running:
        yield running


def delivered_batch(server: RunningServer) -> dict[str, str]:
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as client:
        producer, buyer = sign_up(client, "producer"), sign_up(client, "buyer")
        body = batch_body(farm_public=True)
        batch: dict[str, str] = client.post("/batches", json=body, headers=producer).json()
        path = f"/batches/{batch['id']}"
        tx = {"tx_hash": tx_hash(), "network": "polygon-amoy", "event_type": "registered"}
        assert client.post(path + "/transactions", json=tx, headers=producer).is_success
        ship = {"status": "in_transit", "recipient": user_id(client, buyer)}
        assert client.post(path + "/status", json=ship, headers=producer).is_success
        assert client.post(path + "/status", json={"status": "delivered"}, headers=buyer).is_success
    return batch


def run_chromium(profile: Path, *args: str) -> str:
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_verify_page_on_a_phone_shows_the_verdict_and_the_facts(
    server: RunningServer, tmp_path: Path
) -> None:
    batch = delivered_batch(server)
    url = f"{server.url}/verify/{batch['code']}"
    # No script could run even if one were there: the page's policy allows none.
    policy = httpx.get(url).headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy

    dom = unescape(run_chromium(tmp_path / "dom", "--dump-dom", url))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert "✔ Verified" in text
    assert "All 4 events of this batch's history check out." in text
    for fact in (
        "avocado (Hass)",
        "La Loma, Michoacan, MX",
        "2026-10-02",
        "1250.500 kg",
        "delivered",
        batch["code"],
        "Registered",
        "Shipped",
        "Delivered",
        "Anchored on a blockchain",
        "polygon-amoy",
    ):
        assert fact in text, fact

    shot = artifacts() / "verify-page-phone.png"
    shot.unlink(missing_ok=True)
    run_chromium(tmp_path / "shot", f"--screenshot={shot}", url)
    assert png_size(shot) == PHONE
