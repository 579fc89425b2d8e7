"""The app factory: `sanic api.app:create_app --factory`, or `python -m api serve`."""

import asyncio
from importlib import resources

import orjson
from sanic import Blueprint, Request, Sanic, html
from sanic.response import HTTPResponse

from api import __version__
from api.bootstrap import build_services
from api.infrastructure import logging
from api.infrastructure.loop_lag import watch_loop_lag
from api.infrastructure.metrics import flush_every, metrics
from api.infrastructure.sentry import flush as flush_sentry
from api.infrastructure.sentry import init_sentry
from api.presentation import lifecycle, middleware, openapi, strict_http
from api.presentation.access import Access, access
from api.presentation.context import App, AppContext, Services
from api.presentation.errors import JsonErrorHandler
from api.presentation.routes import (
    audit,
    auth,
    batches,
    capture,
    clients,
    digital_link,
    epcis,
    epcis_query,
    events,
    fsma,
    health,
    jwks,
    lineage,
    locations,
    oauth,
    organisations,
    public,
    transactions,
    users,
    webhooks,
)
from api.presentation.routes import metrics as metrics_route
from api.settings import Settings, load_settings

DESCRIPTION = (
    "Farm-to-buyer traceability of agricultural batches. The contract is docs/API.md; errors"
    " always have the shape of `ErrorOut`."
)


def _dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_app(settings: Settings | None = None, services: Services | None = None) -> App:
    """The app; its services come from the composition root (api/bootstrap.py) at start-up,
    or are the ones given here (tests hand in fakes)."""
    settings = settings or load_settings()
    logging.configure(log_config(settings))
    app: App = Sanic(
        "agrobridge",
        ctx=AppContext(settings),
        error_handler=JsonErrorHandler(),
        dumps=_dumps,
        configure_logging=False,
    )
    _configure(app, settings)
    app.blueprint(
        Blueprint.group(
            health.bp,
            auth.bp,
            batches.bp,
            transactions.bp,
            lineage.bp,
            events.bp,
            epcis.bp,
            epcis_query.bp,
            capture.bp,
            fsma.bp,
            public.bp,
            audit.bp,
            users.bp,
            organisations.bp,
            organisations.invitations_bp,
            locations.bp,
            clients.bp,
            webhooks.bp,
            oauth.bp,
            url_prefix="/api/v1",
            strict_slashes=False,
        )
    )
    app.blueprint(jwks.bp)
    app.blueprint(public.page_bp)
    app.blueprint(digital_link.bp)
    app.blueprint(metrics_route.bp)
    middleware.register(app)
    lifecycle.register(app)
    strict_http.register(app)
    if settings.serves_docs:
        app.add_route(_docs_page, "/docs", name="docs_page")
        document = access(Access.UNGUARDED)(
            openapi.serve("AgroBridge API", __version__, DESCRIPTION)
        )
        app.add_route(document, "/docs/openapi.json", name="openapi_document")

    @app.before_server_start
    async def start(app: App) -> None:
        settings = app.ctx.settings
        init_sentry(
            settings.sentry_dsn.get_secret_value() if settings.sentry_dsn else None,
            settings.sentry_environment or settings.env.value,
            settings.sentry_release,
            settings.sentry_sample_rate,
            settings.sentry_traces_sample_rate,
        )
        app.ctx.services = services or await build_services(settings)
        metrics().workers.set(1)
        metrics().build.labels(__version__).set(1)
        app.add_task(_sample_process(), name="sample-process")
        app.add_task(flush_every(), name="flush-metrics")
        app.add_task(watch_loop_lag(), name="watch-loop-lag")

    @app.after_server_stop
    async def stop(app: App) -> None:
        await lifecycle.finish_writes(app, app.ctx.settings.shutdown_grace_seconds)
        metrics().flush()
        logging.flush()
        if app.ctx.services is not None:
            await app.ctx.services.close()
        flush_sentry()

    return app


def log_config(settings: Settings) -> logging.LogConfig:
    return logging.LogConfig(
        level=settings.log_level,
        json_lines=settings.logs_as_json,
        stdout=settings.log_stdout,
        directory=settings.log_dir,
        retention_days=(
            ("app", settings.log_retention_app_days),
            ("error", settings.log_retention_error_days),
            ("http", settings.log_retention_http_days),
            ("exceptions", settings.log_retention_exceptions_days),
        ),
    )


async def _sample_process() -> None:
    while True:
        metrics().sample_process()
        await asyncio.sleep(5)


def server_limits(settings: Settings) -> dict[str, float]:
    """Sanic's body limit and timeouts. nginx in front must fit inside them (the Ansible
    variables in ansible/playbooks/group_vars/all/limits.yml set both)."""
    return {
        "REQUEST_MAX_SIZE": settings.max_body_bytes,
        "REQUEST_TIMEOUT": settings.request_read_timeout_seconds,
        "RESPONSE_TIMEOUT": settings.response_timeout_seconds,
        "KEEP_ALIVE_TIMEOUT": settings.keep_alive_timeout_seconds,
    }


def _configure(app: App, settings: Settings) -> None:
    app.config.update(
        **server_limits(settings),
        FALLBACK_ERROR_FORMAT="json",
        OAS=False,  # the document is ours: api/presentation/openapi.py
        HEALTH=False,
        GRACEFUL_SHUTDOWN_TIMEOUT=settings.shutdown_grace_seconds,
        # Client addresses come from proxies we trust, never from what a client claims.
        PROXIES_COUNT=settings.proxies_count,
        FORWARDED_SECRET=(
            settings.forwarded_secret.get_secret_value() if settings.forwarded_secret else None
        ),
        REAL_IP_HEADER=None,
        # CORS only for the origins allowed in settings; none allowed means no CORS headers.
        CORS=bool(settings.cors_origins),
        CORS_ORIGINS=",".join(settings.cors_origins),
        CORS_ALLOW_HEADERS="authorization,content-type,x-request-id",
        CORS_EXPOSE_HEADERS=(
            "location,retry-after,x-request-id,ratelimit-limit,ratelimit-remaining,ratelimit-reset"
        ),
        CORS_METHODS="GET,POST,PUT,DELETE,OPTIONS",
        CORS_MAX_AGE=600,
        CORS_SUPPORTS_CREDENTIALS=False,
    )


@access(Access.UNGUARDED)
async def _docs_page(request: Request) -> HTTPResponse:
    page = resources.files("api.presentation").joinpath("docs.html").read_text()
    return html(page, headers={"Content-Security-Policy": middleware.DOCS_CSP})
