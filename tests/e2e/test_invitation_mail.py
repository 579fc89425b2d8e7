"""An invitation made through the API arrives by mail, through a real SMTP server (aiosmtpd on a
local port), and the token in it is the one the invitee accepts."""

import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.e2e.conftest import PASSWORD, server_env
from tests.support.backends import Backends
from tests.support.server import RunningServer, api_server, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    found, port = Inbox(), free_port()
    controller = Controller(found, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield found, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mailing_server(
    backends: Backends,
    database_url: str,
    signing_key: Path,
    inbox: tuple[Inbox, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    smtp = {
        "AGROBRIDGE_SMTP_HOST": "127.0.0.1",
        "AGROBRIDGE_SMTP_PORT": str(inbox[1]),
        "AGROBRIDGE_SMTP_SENDER": "AgroBridge <no-reply@agrobridge.example>",
    }
    env = server_env(database_url, backends.redis_url, signing_key) | smtp
    log = tmp_path_factory.mktemp("mailing") / "api.log"
    with api_server(env, log, workers=1) as running:
        yield running


def test_an_invitation_is_mailed_and_its_token_works(
    mailing_server: RunningServer, inbox: tuple[Inbox, int]
) -> None:
    with httpx.Client(base_url=mailing_server.url + "/api/v1", timeout=10) as api:
        tokens = {}
        for who in ("owner", "invitee"):
            email = f"{who}-{uuid.uuid4().hex[:8]}@example.com"
            body = {"email": email, "password": PASSWORD, "full_name": who.title()}
            assert api.post("/auth/register", json=body).status_code == 201
            login = api.post("/auth/login", json={"email": email, "password": PASSWORD})
            tokens[who] = (email, {"Authorization": f"Bearer {login.json()['access_token']}"})
        owner, (invitee_email, invitee) = tokens["owner"][1], tokens["invitee"]
        org = api.post(
            "/organisations",
            json={"name": "Cooperativa Sierra", "country": "PE", "activities": ["producer"]},
            headers=owner,
        ).json()
        made = api.post(
            f"/organisations/{org['id']}/invitations",
            json={"email": invitee_email, "role": "manager"},
            headers=owner,
        )
        assert made.status_code == 201, made.text
        assert made.json()["mailed"] is True

        assert wait_until(lambda: bool(inbox[0].messages), seconds=10)
        (mail,) = inbox[0].messages
        text = mail.get_content()
        assert mail["To"] == invitee_email
        assert "Cooperativa Sierra" in text
        assert made.json()["token"] in text
        accepted = api.post(
            "/invitations/accept", json={"token": made.json()["token"]}, headers=invitee
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["organisation"]["id"] == org["id"]
