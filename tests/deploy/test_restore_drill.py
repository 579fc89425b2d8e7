"""Restore drills: pgBackRest keeps the database on a backup host; the database host is
destroyed and a new one restored to the latest point, then to a point between two writes.

Runs after test_deploy.py on its staging host (alone, it provisions and deploys that host
first). Everything goes through the operator's recipes: `just provision-backups`, `just backup`,
`just backups`, `just restore`, and `just provision` / `just deploy` for the new host.
"""

import os
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.deploy.conftest import DOMAIN, Site
from tests.deploy.drill import (
    BACKUP_ADDRESS_SUFFIX,
    Api,
    Writer,
    psql,
    wait_until_archived,
    write_backup_inventory,
)
from tests.deploy.hosts import Host, host_shell, podman, remove_host, start_host, wait_for_ssh
from tests.deploy.runbook import (
    BACKUP_SECTIONS,
    Command,
    as_operator,
    failure,
    script,
    section_commands,
)

WRITES_BEFORE_BACKUP = 15
WRITES_AFTER_BACKUP = 15
# The point-in-time drill again and again on the same host, to show it holds every time:
# AGROBRIDGE_DRILL_PITR_RUNS=20 just backup-test -k point_in_time
PITR_RUNS = int(os.environ.get("AGROBRIDGE_DRILL_PITR_RUNS", "1"))
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


@dataclass
class Drill:
    site: Site
    db: Host
    backup: Host
    api: Api
    marker: str
    measured: dict[str, float]
    # Batches and times the point-in-time restores go back and forth between.
    points: dict[str, str]

    def just(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return self.site.just(*args, timeout=timeout)


def output(done: subprocess.CompletedProcess[str]) -> str:
    return (done.stdout + done.stderr)[-6000:]


@pytest.fixture(scope="module")
def drill(site: Site, images: dict[str, str]) -> Iterator[Drill]:
    db = site.host
    name = db.container.removesuffix("-1") + "-backup"
    backup = start_host(name, site.network, site.network.prefix + BACKUP_ADDRESS_SUFFIX,
                        site.workdir / "id_ed25519.pub", "backup." + DOMAIN)  # fmt: skip
    try:
        backup_known_hosts = site.workdir / "known_hosts_backup"
        wait_for_ssh(backup, backup_known_hosts)
        write_backup_inventory(site, db, backup, backup_known_hosts)
        if host_shell(db, "test -s /etc/ansible/facts.d/agrobridge.fact").returncode != 0:
            # Run alone: the deploy tier has not provisioned and released to the host yet.
            first = site.just("provision", "staging", "-e", "ansible_user=admin", timeout=2400)
            assert first.returncode == 0, output(first)
            deployed = site.just("deploy", "staging", images["good"])
            assert deployed.returncode == 0, output(deployed)
        api = Api(db.https_port, site.pebble.issuing_root)
        yield Drill(site, db, backup, api, f"drill-{time.monotonic_ns():x}", {}, {})
    finally:
        remove_host(name)


def test_backups_are_set_up_checked_and_start_with_a_full_backup(drill: Drill):
    # The backup host is bare: the first run connects as its image's user, as for any new host.
    done = drill.just("provision-backups", "staging", "-e", "ansible_user=admin")
    assert done.returncode == 0, output(done)
    assert "Check that archiving and backups work (pgbackrest check)" in done.stdout
    listed = drill.just("backups", "staging")
    assert listed.returncode == 0, output(listed)
    assert "full backup" in listed.stdout, output(listed)
    assert "status: ok" in listed.stdout
    metrics = host_shell(drill.db, "curl -s 127.0.0.1:9100/metrics | grep ^agrobridge_backup")
    assert "agrobridge_backup_last_success_timestamp_seconds" in metrics.stdout, metrics.stdout
    assert "agrobridge_backup_wal_last_archived_timestamp_seconds" in metrics.stdout


@pytest.mark.parametrize("section", sorted(BACKUP_SECTIONS))
def test_the_runbooks_backup_alert_commands_work_on_the_hosts_they_name(drill: Drill, section: str):
    host = drill.backup if BACKUP_SECTIONS[section] == "backup" else drill.db
    known_hosts = drill.site.workdir / (
        "known_hosts_backup" if host is drill.backup else "known_hosts"
    )
    # The operator reads the repository host's name from the database host's configuration.
    repository = host_shell(
        drill.db, "grep -rhs '^repo1-host=' /etc/pgbackrest.conf /etc/pgbackrest/ | cut -d= -f2"
    ).stdout.strip()
    assert repository, "no repo1-host in the database host's pgBackRest configuration"
    commands = section_commands(section)
    assert commands, f"no sh block in {section}"
    for command in commands:
        if command.line.startswith("just "):  # from a checkout, for the environment
            words = command.line.split("#", 1)[0].split()[1:]
            done = drill.just(*("staging" if word == "ENV" else word for word in words))
            assert done.returncode == 0, f"{command}\n{output(done)}"
            continue
        line = command.line.replace("BACKUP_HOST", repository)
        bash = script(Command(section, line), DOMAIN, with_prelude=host is not drill.backup)
        done = as_operator(drill.site, bash, host, known_hosts)
        assert failure(command, done) is None, failure(command, done)


def test_backup_commands_refuse_misuse(drill: Drill):
    weekly = drill.just("backup", "staging", "weekly")
    assert weekly.returncode != 0
    assert "the backup type must be full or diff, not 'weekly'" in weekly.stderr
    running = drill.just("restore", "staging")
    assert running.returncode != 0
    assert "is running and holds the AgroBridge database" in running.stdout, output(running)
    future = drill.just("restore", "staging", "--to", "2099-01-01 00:00:00")
    assert future.returncode != 0
    assert "is in the future" in future.stderr


def test_a_destroyed_database_host_is_restored_to_the_latest_point(drill: Drill, images):
    api = drill.api
    api.register()
    api.login()
    for n in range(WRITES_BEFORE_BACKUP):
        api.write_batch(f"{drill.marker}-{n}")
    full = drill.just("backup", "staging", "full")
    assert full.returncode == 0, output(full)
    for n in range(WRITES_AFTER_BACKUP):
        api.write_batch(f"after-backup-{n}")
    assert len(api.acknowledged) == WRITES_BEFORE_BACKUP + WRITES_AFTER_BACKUP
    audit_before = set(psql(drill.db, "SELECT id FROM audit_logs").split())
    size = psql(drill.db, "SELECT pg_size_pretty(pg_database_size('agrobridge'))")
    drill.measured["rpo"] = wait_until_archived(drill.db)

    # The host is gone, with its disks. Its replacement is a bare host at the same address; the
    # Debian packages the first one downloaded are offered as a local mirror would.
    cache = drill.site.workdir / "apt-archives.tar"
    archive = "/var/cache/apt/drill-archives.tar"
    podman("exec", drill.db.container, "tar", "-C", "/var/cache/apt", "-cf", archive, "archives")
    podman("cp", f"{drill.db.container}:{archive}", str(cache))
    destroyed = time.monotonic()
    remove_host(drill.db.container)
    db = start_host(drill.db.container, drill.site.network, drill.db.address,
                    drill.site.workdir / "id_ed25519.pub", DOMAIN)  # fmt: skip
    wait_for_ssh(db, drill.site.workdir / "known_hosts")
    podman("cp", str(cache), f"{db.container}:{archive}")
    podman("exec", db.container, "tar", "-C", "/var/cache/apt", "-xf", archive)
    podman("cp", str(drill.site.pebble.api_ca), f"{db.container}:/etc/ssl/test-acme-ca.pem")
    podman("cp", str(drill.site.pebble.issuing_root), f"{db.container}:/etc/ssl/test-edge-root.pem")
    drill.db = db
    api.https_port = db.https_port
    write_backup_inventory(drill.site, db, drill.backup, drill.site.workdir / "known_hosts_backup")

    steps: dict[str, float] = {}
    for step, args in (
        ("provision", ("provision", "staging", "-e", "ansible_user=admin")),
        ("restore", ("restore", "staging")),
        ("deploy", ("deploy", "staging", images["good"])),
    ):
        started = time.monotonic()
        done = drill.just(*args, timeout=1800)
        assert done.returncode == 0, f"{step}: {output(done)}"
        steps[step] = time.monotonic() - started

    api.login()
    served = [batch for batch in api.acknowledged if api.served(batch) == 200]
    drill.measured["rto"] = time.monotonic() - destroyed
    assert len(served) == len(api.acknowledged)
    audit_after = set(psql(db, "SELECT id FROM audit_logs").split())
    assert audit_before <= audit_after, f"{len(audit_before - audit_after)} audit rows lost"
    for statement in ("UPDATE audit_logs SET action = action", "DELETE FROM audit_logs"):
        refused = host_shell(db, f'runuser -u postgres -- psql -Xd agrobridge -c "{statement}"')
        assert "audit_logs is append-only" in refused.stderr, refused.stderr
    print(
        f"restore drill: {len(served)}/{len(api.acknowledged)} acknowledged writes served, "
        f"{len(audit_before)} audit rows kept; database {size}; RTO {drill.measured['rto']:.0f} s "
        f"(provision {steps['provision']:.0f} s, restore {steps['restore']:.0f} s, deploy "
        f"{steps['deploy']:.0f} s); last write archived {drill.measured['rpo']:.1f} s after it"
    )


def stop_database(drill: Drill) -> None:
    stop = host_shell(drill.db, "systemctl stop postgresql@15-main")
    assert stop.returncode == 0, stop.stderr


def unexpected(answers: Counter[str]) -> list[str]:
    """Answers a client must never see during a restore: server errors, a dead upstream."""
    return [f"{what}: {n}" for what, n in answers.items() if what.split()[-1] in {"500", "502"}]


@pytest.mark.parametrize("run", range(PITR_RUNS))
def test_a_point_in_time_restore_shows_the_earlier_write_only(drill: Drill, run: int):
    api, db = drill.api, drill.db
    writer = Api(db.https_port, drill.site.pebble.issuing_root)
    writer.register()
    writer.login()
    earlier = api.write_batch("pitr-earlier")
    assert earlier
    between = psql(db, "SELECT now()::text")
    later = api.write_batch("pitr-later")
    assert later
    # An account made after the restore's target: the restore removes it, and its token.
    ghost = Api(db.https_port, drill.site.pebble.issuing_root)
    ghost.register()
    ghost.login()
    later_at = psql(db, "SELECT now()::text")
    assert api.write_batch("pitr-last")  # a commit after later_at, so a restore can reach it
    wait_until_archived(db)
    drill.points.update(later=later, later_at=later_at)

    running = drill.just("restore", "staging", "--to", between)
    assert running.returncode != 0
    assert "is running and holds the AgroBridge database" in running.stdout, output(running)
    stop_database(drill)
    too_early = drill.just("restore", "staging", "--to", "2020-01-01 00:00:00+00")
    assert too_early.returncode != 0
    assert "is before the oldest backup ended" in too_early.stdout, output(too_early)

    started = time.monotonic()
    with Writer(writer) as during:
        done = drill.just("restore", "staging", "--to", between)
        assert done.returncode == 0, output(done)
        seconds = time.monotonic() - started
        time.sleep(3)  # the writer's first answers from the restored database
    assert "restoring along timeline" in done.stdout, output(done)
    assert unexpected(during.answers) == [], during.answers
    assert during.answers["503"] + during.answers["login 503"] > 0, during.answers
    api.login()
    assert api.served(earlier) == 200
    assert api.served(later) == 404
    refused = ghost.call("GET", "/batches")
    assert refused.status_code == 401, refused.text
    print(
        f"point-in-time restore {run + 1} to {between}: the earlier write only, in "
        f"{seconds:.0f} s; a writer through the edge meanwhile got {dict(during.answers)}"
    )


def test_a_restore_to_a_later_time_never_drops_the_newer_timeline_silently(drill: Drill):
    # The operator's sequence: a point-in-time restore, writes after it, then a restore to a
    # time after the first one's target, when the write it discarded still existed.
    api, db = drill.api, drill.db
    newer = [batch for n in range(5) if (batch := api.write_batch(f"newer-timeline-{n}"))]
    assert len(newer) == 5
    wait_until_archived(db)
    stop_database(drill)
    refused = drill.just("restore", "staging", "--to", drill.points["later_at"])
    assert refused.returncode != 0
    assert "would discard every write on timeline" in refused.stdout, output(refused)
    assert "WAL segments" in refused.stdout
    assert "--discard-newer-timelines" in refused.stdout

    # Refused before anything was touched: the newer timeline's writes are all there.
    start = host_shell(db, "systemctl start postgresql@15-main")
    assert start.returncode == 0, start.stderr
    api.login()
    assert [api.served(batch) for batch in newer] == [200] * len(newer)
    listed = drill.just("backups", "staging")
    assert listed.returncode == 0, output(listed)
    assert "(current): branched from timeline" in listed.stdout, output(listed)

    # Told explicitly, it goes back to that time on the old timeline.
    stop_database(drill)
    chosen = drill.just(
        "restore", "staging", "--to", drill.points["later_at"], "--discard-newer-timelines"
    )
    assert chosen.returncode == 0, output(chosen)
    assert "it discards every write on timeline" in chosen.stdout, output(chosen)
    api.login()
    assert api.served(drill.points["later"]) == 200
    assert [api.served(batch) for batch in newer] == [404] * len(newer)


def test_a_restore_after_which_archiving_fails_does_not_report_success(drill: Drill):
    db, backup = drill.db, drill.backup
    # The repository refuses the next timeline's segments (a full disk, a wrong owner...).
    archive = "/var/lib/pgbackrest/archive/agrobridge/15-1"
    histories = host_shell(backup, f"ls {archive} | grep -E '^[0-9A-F]{{8}}[.]history$'")
    following = max(int(name[:8], 16) for name in histories.stdout.split()) + 1
    blocked = " ".join(f"{archive}/{following:08X}{log:08X}" for log in range(2))
    block = host_shell(backup, f"mkdir -p {blocked}; chown root: {blocked}; chmod 555 {blocked}")
    assert block.returncode == 0, block.stderr
    stop_database(drill)
    failed = drill.just("restore", "staging", "--", "-e", "backups_restore_archive_wait=20")
    assert failed.returncode != 0
    assert "WAL archiving has not resumed" in failed.stdout, output(failed)
    # With the reason, as PostgreSQL logged pgBackRest's error.
    assert "archive command failed" in failed.stdout, output(failed)

    # Fixed, archiving resumes by itself: the database was restored and kept running.
    unblock = host_shell(backup, f"rmdir {blocked}")
    assert unblock.returncode == 0, unblock.stderr
    drill.api.login()
    assert drill.api.write_batch("after-archiving-resumed")
    wait_until_archived(db)


def test_the_repository_cannot_be_read_without_the_passphrase(drill: Drill):
    # The marker is plain text in the database's own files...
    data = "/var/lib/postgresql/15/main/base"
    plain = host_shell(drill.db, f"grep -rlF {drill.marker} {data} | head -n 1")
    assert plain.stdout.strip(), "the marker should be on the database host's disk"
    # ...but in no file of the repository, each of which is OpenSSL-format ciphertext.
    repository = "/var/lib/pgbackrest"
    found = host_shell(drill.backup, f"grep -rlF {drill.marker} {repository}; true")
    assert found.stdout.strip() == ""
    # Each file's first 8 bytes, by one process for many files (a process or two per file took
    # minutes on a busy machine).
    each = 'import sys; [print(open(f, "rb").read(8).decode("latin-1"), f) for f in sys.argv[1:]]'
    headers = host_shell(
        drill.backup, f"find {repository} -type f -size +0 -exec python3 -c '{each}' {{}} +"
    )
    files = headers.stdout.splitlines()
    assert len(files) > 10, headers.stdout + headers.stderr
    not_encrypted = [line for line in files if not line.startswith("Salted__")]
    assert not_encrypted == [], not_encrypted[:5]
    print(f"repository: {len(files)} files, every one aes-256-cbc ciphertext")
