"""Command line: `python -m api serve | migrate | keygen PATH`."""

import argparse
import asyncio
from functools import partial
from pathlib import Path

from sanic import Sanic
from sanic.worker.loader import AppLoader

from api.app import create_app
from api.infrastructure.db.migrate import upgrade
from api.infrastructure.security.keys import write_private_key
from api.settings import DatabaseSettings, load_settings


def serve() -> None:
    settings = load_settings()
    loader = AppLoader(factory=partial(create_app, settings))
    app = loader.load()
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        motd=False,
    )
    Sanic.serve(primary=app, app_loader=loader)


def migrate() -> None:
    url = DatabaseSettings().database_url.get_secret_value()
    applied = asyncio.run(upgrade(url))
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the API with the configured number of workers")
    sub.add_parser("migrate", help="apply pending database migrations")
    keygen = sub.add_parser("keygen", help="write a new RSA signing key (mode 0600)")
    keygen.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.command == "serve":
        serve()
    elif args.command == "migrate":
        migrate()
    else:
        write_private_key(args.path)
        print(f"wrote {args.path}")


if __name__ == "__main__":
    main()
