"""Sanic's timeouts and body limit are the settings' (nginx's are ordered against these:
tests/packaging/test_limits.py)."""

from api.presentation.context import App


def test_sanic_runs_with_the_settings_timeouts_and_body_limit(app: App):
    config, configured = app.config, app.ctx.settings
    sanic = (
        config.KEEP_ALIVE_TIMEOUT,
        config.REQUEST_TIMEOUT,
        config.RESPONSE_TIMEOUT,
        config.REQUEST_MAX_SIZE,
    )
    assert sanic == (
        configured.keep_alive_timeout_seconds,
        configured.request_read_timeout_seconds,
        configured.response_timeout_seconds,
        configured.max_body_bytes,
    )
