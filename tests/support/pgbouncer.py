"""PgBouncer in transaction mode in front of a test PostgreSQL, as provisioning runs it
(ansible/roles/pgbouncer), from the binary Debian's package installs."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.processes import stop_group
from tests.support.server import free_port
from tests.support.waiting import listening, wait_until

CONFIG = """\
[databases]
{database} = host=127.0.0.1 port={pg_port} dbname={database} connect_query='{connect_query}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
server_login_retry = 1
logfile = {folder}/pgbouncer.log
"""


def pgbouncer_binary() -> str | None:
    """Debian installs it in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin")


def bouncer_url(url: str, port: int) -> str:
    """`url` with its port replaced by PgBouncer's (same user, password and database)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rsplit(':', 1)[0]}:{port}"))


@contextmanager
def pgbouncer(
    folder: Path,
    pg_port: int,
    database: str,
    users: dict[str, str],
    pool_size: int = 20,
    settings: dict[str, str] | None = None,
) -> Iterator[int]:
    """PgBouncer's port while it runs in front of 127.0.0.1:pg_port for `users` (name to
    password); it logs to `folder`/pgbouncer.log. As root it runs as `postgres` (it refuses
    root), so `folder` must be one that user may enter. Every server connection starts with
    `settings` (SET), as provisioning sets the API's timeouts."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError("pgbouncer not found: scripts/install-test-deps.sh installs it")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    connect_query = "; ".join(f"SET {name} = {value}" for name, value in (settings or {}).items())
    config = CONFIG.format(
        database=database,
        pg_port=pg_port,
        port=port,
        folder=folder,
        pool_size=pool_size,
        connect_query=connect_query or "SELECT 1",
    )
    (folder / "pgbouncer.ini").write_text(config)
    (folder / "userlist.txt").write_text(
        "".join(f'"{name}" "{password}"\n' for name, password in users.items())
    )
    user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        for name in ("pgbouncer.ini", "userlist.txt"):
            shutil.chown(folder / name, "postgres")
        user = ["runuser", "-u", "postgres", "--"]
    output = folder / "pgbouncer.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [*user, binary, str(folder / "pgbouncer.ini")],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        if not wait_until(lambda: listening(port) or process.poll() is not None, seconds=30):
            raise RuntimeError(f"pgbouncer did not listen on {port} within 30 s")
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited: {output.read_text()[-2000:]}")
        yield port
    finally:
        stop_group(process)
