"""Operator commands: `python -m api serve | webhooks | webhook-queue | migrate | keygen |
rotate-keys | create-user`."""

import argparse
import asyncio
import getpass
import json
import os
import secrets
import shutil
import socket
import sys
import tempfile
from functools import partial
from pathlib import Path

from sanic import Sanic
from sanic.worker.loader import AppLoader

from api.app import create_app
from api.bootstrap import build_registration, close_registration
from api.domain.audit import RequestContext
from api.domain.errors import Conflict, ValidationFailed
from api.domain.users import Role, User
from api.infrastructure.db.grants import RuntimeRoleError
from api.infrastructure.db.migrate import make_partitions, upgrade
from api.infrastructure.db.partitions import MONTHS_AHEAD
from api.infrastructure.patches import (
    BoundedReadProtocol,
    check_versions,
    leave_stop_signals_to_workers,
    patch_worker_manager,
    set_worker_start_timeout,
)
from api.infrastructure.security import keys
from api.settings import DatabaseSettings, Settings, load_database_settings, load_settings
from api.supervisor import StopRequest, Supervisor


def serve(_: argparse.Namespace) -> None:
    # From here to the end, SIGTERM and SIGINT are only recorded (api/supervisor.py says why);
    # the supervisor acts on them once the workers exist, or the server never starts them.
    stop = StopRequest()
    stop.install()
    configured = load_settings()
    settings = prepare_metrics_dir(configured)
    try:
        # Fail here, once and plainly, rather than in every worker.
        keys.load_key_ring(settings.jwt_private_key_file, settings.jwt_verify_key_files)
    except (OSError, ValueError, keys.KeyFileError) as exc:
        raise SystemExit(f"cannot load the JWT keys: {exc}") from None
    loader = AppLoader(factory=partial(create_app, settings))
    app = loader.load()
    # Our own socket, so that the main process can close it on SIGTERM.
    try:
        sock = bind_unlistened(settings.host, settings.port)
    except OSError as exc:
        raise SystemExit(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}"
        ) from None
    app.prepare(
        sock=sock,
        backlog=BACKLOG,
        protocol=BoundedReadProtocol,
        workers=settings.workers,
        access_log=False,
        motd=False,
    )
    leave_stop_signals_to_workers(app)
    set_worker_start_timeout(settings.worker_start_timeout_seconds)
    patch_worker_manager(stop.handle)

    @app.main_process_ready
    async def supervise(app: Sanic) -> None:  # type: ignore[type-arg]
        Supervisor(app.manager, [sock], stop, settings.shutdown_grace_seconds).start()

    try:
        if stop.requested:
            sock.close()
            return  # stopped before any worker existed
        Sanic.serve(primary=app, app_loader=loader)
    finally:
        stop.ignore_from_now_on()
        if configured.metrics_dir is None and settings.metrics_dir is not None:
            shutil.rmtree(settings.metrics_dir, ignore_errors=True)


BACKLOG = 1024


def bind_unlistened(host: str, port: int) -> socket.socket:
    """The server's socket, bound but not yet listening: the first worker that is ready to serve
    starts listening on it (asyncio's create_server does). Until then connections are refused,
    not queued behind a server still starting, so a proxy passes them to another upstream at
    once (a release restarted in place sends nginx to its standby, docs/deploy.md)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def prepare_metrics_dir(settings: Settings) -> Settings:
    """Give the workers one empty folder to share their metrics through."""
    directory = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="agrobridge-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    # prometheus-client reads this in each worker, which inherits it from here.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    # Fewer malloc arenas: threads (argon2, asyncpg) would otherwise each keep their own.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    return settings.model_copy(update={"metrics_dir": directory})


def webhooks(_: argparse.Namespace) -> None:
    # Imported here: the API's own processes never load the worker.
    from api import webhook_worker

    webhook_worker.main(load_settings())


def webhook_queue(_: argparse.Namespace) -> None:
    from api import webhook_worker

    report = asyncio.run(webhook_worker.queue_report(load_settings()))
    print(json.dumps(report, indent=2, default=str))


def migrate(_: argparse.Namespace) -> None:
    settings = load_database_settings()
    role = settings.db_runtime_role
    try:
        applied = asyncio.run(upgrade(settings.database_url.get_secret_value(), role))
    except RuntimeRoleError as exc:
        raise SystemExit(str(exc)) from None
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    if role:
        print(f"granted the API's rights to {role}")
    else:
        print("no AGROBRIDGE_DB_RUNTIME_ROLE: granted nothing (the API would need the owner)")


def partitions(args: argparse.Namespace) -> None:
    url = load_database_settings().database_url.get_secret_value()
    try:
        made = asyncio.run(make_partitions(url, args.months))
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    print("made: " + (", ".join(made) if made else f"nothing ({args.months} months ahead exist)"))


def keygen(args: argparse.Namespace) -> None:
    keys.write_private_key(args.path)
    print(f"wrote {args.path}")


def rotate_keys(_: argparse.Namespace) -> None:
    settings = load_settings()
    # A retired key must outlive every token it signed.
    keep = settings.access_token_ttl_seconds + 300
    old, new = keys.rotate(settings.jwt_private_key_file, keep_retired_seconds=keep)
    print(f"signing key rotated: {old} -> {new}; restart the API to start signing with it")


def create_user(args: argparse.Namespace) -> None:
    settings = load_database_settings()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (leave empty to generate one): ")
    else:
        password = ""
    generated = not password
    password = password or secrets.token_urlsafe(18)
    try:
        user = asyncio.run(_create_user(settings, args, password))
    except ValidationFailed as exc:
        details = "; ".join(f"{issue.field}: {issue.issue}" for issue in exc.details)
        raise SystemExit(f"{exc.message}: {details}") from None
    except Conflict as exc:
        raise SystemExit(exc.message) from None
    print(f"created {user.role.value} {user.email} ({user.id})")
    if generated:
        print(f"password: {password}")


async def _create_user(settings: DatabaseSettings, args: argparse.Namespace, password: str) -> User:
    registration = await build_registration(settings)
    try:
        context = RequestContext(request_id=f"cli-{secrets.token_hex(8)}", user_agent="api cli")
        return await registration.create(
            args.email, password, args.full_name, Role(args.role), context
        )
    finally:
        await close_registration()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m api", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "serve", help="serve the API with the configured number of workers"
    ).set_defaults(run=serve)
    sub.add_parser(
        "webhooks", help="deliver webhooks until SIGTERM (run beside the API)"
    ).set_defaults(run=webhooks)
    sub.add_parser(
        "webhook-queue", help="print the webhook queue and the endpoints it waits on (JSON)"
    ).set_defaults(run=webhook_queue)
    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(run=migrate)
    ahead = sub.add_parser(
        "partitions", help="make the audit log's monthly partitions ahead (daily, as the owner)"
    )
    ahead.add_argument("--months", type=int, default=MONTHS_AHEAD, help="how many months ahead")
    ahead.set_defaults(run=partitions)
    gen = sub.add_parser("keygen", help="write a new RSA signing key (mode 0600)")
    gen.add_argument("path", type=Path)
    gen.set_defaults(run=keygen)
    sub.add_parser(
        "rotate-keys", help="retire the signing key; its public half keeps verifying"
    ).set_defaults(run=rotate_keys)
    user = sub.add_parser("create-user", help="create any account, auditors and admins included")
    user.add_argument("email")
    user.add_argument("--role", choices=[r.value for r in Role], required=True)
    user.add_argument("--full-name", required=True)
    user.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user.set_defaults(run=create_user)
    return root


def main() -> None:
    args = parser().parse_args()
    # Before anything uses Sanic or Tortoise: our patches of their private parts need the
    # versions they were tested on.
    check_versions()
    args.run(args)
