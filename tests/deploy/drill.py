"""The restore drill's pieces: a backup host beside the deploy tier's host, the inventory that
names both, a client that writes through the edge and remembers what was acknowledged."""

import secrets
import shutil
import ssl
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.deploy.conftest import DOMAIN, ROOT, Site
from tests.deploy.hosts import Host, host_shell

# Under nginx's limit of 10 requests/s per client, so that every answer is the API's.
REQUESTS_PER_SECOND = 8
DATABASE_ADDRESS_SUFFIX = "10"
BACKUP_ADDRESS_SUFFIX = "20"


def write_backup_inventory(site: Site, db: Host, backup: Host, backup_known_hosts: Path) -> None:
    """The staging inventory of the deploy tier, plus the backup host, the repository's
    passphrase in a vault made here, and settings that keep the drill short."""
    staging = Path(site.env["AGROBRIDGE_INVENTORIES"]) / "staging"
    key = site.workdir / "id_ed25519"
    (staging / "hosts.yml").write_text(
        "agrobridge:\n  hosts:\n    staging-1:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {db.ssh_port}\n"
        f"      ansible_ssh_private_key_file: {key}\n"
        f"      ansible_ssh_common_args: -o UserKnownHostsFile={site.workdir / 'known_hosts'}\n"
        f"      backups_address: {db.address}\n"
        "backup:\n  hosts:\n    staging-backup-1:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {backup.ssh_port}\n"
        f"      ansible_ssh_private_key_file: {key}\n"
        f"      ansible_ssh_common_args: -o UserKnownHostsFile={backup_known_hosts}\n"
        f"      backups_address: {backup.address}\n"
    )
    for group in ("all", "backup"):
        source = ROOT / "ansible/inventories/staging/group_vars" / group
        shutil.copytree(source, staging / "group_vars" / group, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.example"))  # fmt: skip
    vault = staging / "group_vars" / "all" / "vault.yml"
    if not vault.exists():
        vault.write_text(f"vault_backups_cipher_pass: {secrets.token_urlsafe(36)}\n")
        subprocess.run(
            [str(ROOT / ".venv/bin/ansible-vault"), "encrypt", str(vault),
             "--vault-password-file", site.env["ANSIBLE_VAULT_PASSWORD_FILE"]],
            check=True, capture_output=True,
        )  # fmt: skip
    # A segment at least every 5 s instead of every minute: the drill waits less for its WAL.
    (staging / "group_vars" / "all" / "zz-test.yml").write_text("backups_archive_timeout: 5\n")
    # One API worker: two cannot both start within Sanic's 30 s on a loaded 2-core machine.
    (staging / "group_vars" / "agrobridge" / "zz-drill.yml").write_text("api_workers: 1\n")


def psql(host: Host, sql: str) -> str:
    """A query as postgres on the host; the rows as text."""
    done = host_shell(host, f'runuser -u postgres -- psql -XtAq -d agrobridge -c "{sql}"')
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_until_archived(host: Host, timeout: float = 120) -> float:
    """Seconds until the WAL segment holding everything written so far is in the repository."""
    started = time.monotonic()
    # The flush position, not the insert position: right after a segment switch the insert
    # position is already inside the next, empty segment, which is archived only once something
    # is written to it; pg_walfile_name names the segment holding the byte before a boundary.
    segment = psql(host, "SELECT pg_walfile_name(pg_current_wal_flush_lsn())")
    while True:
        archived = psql(host, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
        # Same timeline: segment names sort in WAL order.
        if archived[:24] >= segment:
            return time.monotonic() - started
        if time.monotonic() - started >= timeout:
            raise AssertionError(f"{segment} not archived: {archiving_state(host)}")
        time.sleep(0.5)


def archiving_state(host: Host) -> str:
    """The archiver's counters, its settings and pgBackRest's last log lines on the host."""
    shown = host_shell(
        host,
        "runuser -u postgres -- psql -Xx -d agrobridge -c 'SELECT * FROM pg_stat_archiver' "
        "-c 'SHOW archive_timeout' -c 'SHOW archive_command'; "
        "ps -eo pid,etime,args | grep -E '[a]rchiver|[c]heckpointer|[p]gbackrest'; "
        "ls /var/lib/postgresql/15/main/pg_wal/archive_status | tail -n 5; "
        "ls -l /var/log/pgbackrest; tail -n 15 /var/log/pgbackrest/*archive-push*.log; "
        "tail -n 15 /var/log/postgresql/postgresql-15-main.log",
    )
    return shown.stdout + shown.stderr


@dataclass
class Api:
    """A producer writing batches through the edge; `acknowledged` holds each batch id the
    API answered 201 for."""

    https_port: int
    ca_file: Path
    email: str = field(default_factory=lambda: f"drill-{secrets.token_hex(4)}@example.com")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    token: str = ""
    acknowledged: list[str] = field(default_factory=list)
    _next_at: float = 0.0

    def call(self, method: str, path: str, body: object = None) -> httpx.Response:
        self._next_at = max(self._next_at, time.monotonic())
        time.sleep(max(0.0, self._next_at - time.monotonic()))
        self._next_at += 1 / REQUESTS_PER_SECOND
        headers = {"Host": DOMAIN}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        with httpx.Client(verify=ssl.create_default_context(cafile=str(self.ca_file)),
                          timeout=15) as client:  # fmt: skip
            return client.request(
                method,
                f"https://127.0.0.1:{self.https_port}/api/v1{path}",
                json=body,
                headers=headers,
                extensions={"sni_hostname": DOMAIN},
            )

    def register(self) -> None:
        body = {"email": self.email, "password": self.password, "full_name": "Restore Drill"}
        answer = self.call("POST", "/auth/register", body)
        assert answer.status_code == 201, answer.text

    def login(self) -> None:
        status = self.try_login()
        assert status == 200, status

    def try_login(self) -> int:
        self.token = ""
        answer = self.call("POST", "/auth/login", {"email": self.email, "password": self.password})
        if answer.status_code == 200:
            self.token = answer.json()["access_token"]
        return answer.status_code

    def write_batch(self, product: str) -> str | None:
        """A new batch, then cancelled (a second audit entry); its id once acknowledged."""
        answer = self.call("POST", "/batches", {
            "product": product, "origin": {"farm": "Drill Farm", "country": "MX"},
            "harvest_date": "2026-10-02", "quantity": "12.500", "unit": "kg",
        })  # fmt: skip
        if answer.status_code != 201:
            return None
        batch = str(answer.json()["id"])
        self.acknowledged.append(batch)
        moved = self.call(
            "POST", f"/batches/{batch}/status", {"status": "cancelled", "note": "restore drill"}
        )
        assert moved.status_code == 200, moved.text
        return batch

    def served(self, batch: str) -> int:
        return self.call("GET", f"/batches/{batch}").status_code


@dataclass
class Writer:
    """A second producer writing through the edge while a restore runs, logging in again when
    its token is refused; `answers` counts every status it got (and every failure to connect)."""

    api: Api
    answers: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "Writer":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)
        print(f"writer through the edge during the restore: {dict(self.answers)}")

    def _run(self) -> None:
        login_after = 0.0
        while not self._stop.wait(0.5):
            try:
                if not self.api.token:
                    if time.monotonic() < login_after:
                        continue
                    # Not more often than the edge's limit on logins allows.
                    login_after = time.monotonic() + 10
                    self.answers[f"login {self.api.try_login()}"] += 1
                    continue
                answer = self.api.call("POST", "/batches", {
                    "product": "written-during-restore", "harvest_date": "2026-10-02",
                    "origin": {"farm": "Drill Farm", "country": "MX"},
                    "quantity": "1.000", "unit": "kg",
                })  # fmt: skip
            except httpx.HTTPError as exc:
                self.answers[type(exc).__name__] += 1
                continue
            self.answers[str(answer.status_code)] += 1
            if answer.status_code == 401:
                self.api.token = ""
