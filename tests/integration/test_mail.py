"""Invitation mail through a real SMTP server (aiosmtpd on a local port); no PostgreSQL needed."""

import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from api.infrastructure.faults import DependencyUnavailable
from api.infrastructure.mail import NullMailer, SmtpMailer, mailer_from
from api.settings import Settings
from tests.support.server import free_port

SENDER = "AgroBridge <no-reply@agrobridge.example>"
USERNAME, PASSWORD = "mailer", "s3cret-smtp-passw0rd"
EXPIRES = datetime(2031, 5, 4, 12, 30, tzinfo=UTC)


@dataclass
class Inbox:
    envelopes: list[Envelope] = field(default_factory=list)
    # Who each message was sent as: the login, or None when the client did not log in.
    senders: list[object] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.senders.append(session.login_data)
        return "250 OK"

    def only(self) -> tuple[Envelope, EmailMessage]:
        assert len(self.envelopes) == 1
        envelope = self.envelopes[0]
        assert isinstance(envelope.original_content, bytes)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return envelope, parsed


@dataclass
class Server:
    inbox: Inbox
    port: int


def check_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and data == (USERNAME.encode(), PASSWORD.encode())
    # handled=False: aiosmtpd itself answers a refusal with 535.
    return AuthResult(success=good, handled=False, auth_data=data if good else None)


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        server_hostname="smtp.test",
        authenticator=check_login,
        # Plain-text AUTH for the test only; production refuses a login without STARTTLS.
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield Server(inbox, port)
    finally:
        controller.stop()


def mailer(server: Server, **overrides: Any) -> SmtpMailer:
    return replace(SmtpMailer("127.0.0.1", server.port, SENDER, timeout_seconds=5), **overrides)


async def test_an_invitation_reaches_the_invitee_with_its_token_and_organisation(smtp_server):
    await mailer(smtp_server).send_invitation(
        "ines@example.com", "Cooperativa La Loma", "Ana Ruiz", "tok_8f3a9c", EXPIRES
    )

    envelope, message = smtp_server.inbox.only()
    assert smtp_server.inbox.senders == [None]
    assert envelope.rcpt_tos == ["ines@example.com"]
    assert envelope.mail_from == "no-reply@agrobridge.example"
    assert message["To"] == "ines@example.com"
    assert message["From"] == SENDER
    assert message["Subject"] == "Invitation to join Cooperativa La Loma on AgroBridge"
    body = message.get_content()
    assert "tok_8f3a9c" in body
    assert "Ana Ruiz has invited you to join Cooperativa La Loma" in body
    assert "2031-05-04 12:30 UTC" in body
    assert "POST /api/v1/invitations/accept" in body
    assert '{"token": "tok_8f3a9c"}' in body
    assert '"invitation_token"' in body
    assert "POST /api/v1/auth/register" in body


@pytest.mark.parametrize("where", ["organisation", "inviter"])
async def test_a_name_with_a_line_break_cannot_add_a_header(smtp_server, where):
    names = {"organisation": "La Loma", "inviter": "Ana"}
    names[where] = "La Loma\r\nBcc: x@evil.example\r\n\r\nFake body"

    await mailer(smtp_server).send_invitation(
        "ines@example.com", names["organisation"], names["inviter"], "tok_1", EXPIRES
    )

    envelope, message = smtp_server.inbox.only()
    assert envelope.rcpt_tos == ["ines@example.com"]
    assert message["Bcc"] is None
    assert {name.lower() for name in message} == {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
    body = message.get_content()
    assert "\nBcc:" not in body
    assert "La Loma Bcc: x@evil.example Fake body" in body + str(message["Subject"])


async def test_a_recipient_that_is_more_than_one_plain_address_is_refused(smtp_server):
    for to in ("ines@example.com\r\nBcc: x@evil.example", "a@example.com, b@example.com"):
        with pytest.raises(ValueError, match="recipient"):
            await mailer(smtp_server).send_invitation(to, "La Loma", "Ana", "tok_1", EXPIRES)

    assert smtp_server.inbox.envelopes == []


async def test_the_mailer_logs_in_with_its_username_and_password(smtp_server):
    secret = SecretStr(PASSWORD)

    await mailer(smtp_server, username=USERNAME, password=secret).send_invitation(
        "ines@example.com", "La Loma", "Ana", "tok_2", EXPIRES
    )

    envelope, _ = smtp_server.inbox.only()
    assert envelope.rcpt_tos == ["ines@example.com"]
    assert smtp_server.inbox.senders == [USERNAME.encode()]


@pytest.mark.parametrize("password", ["wrong-password-91x", "contraseña-señor-91x"])
async def test_a_failed_login_names_the_server_but_never_the_password(smtp_server, password):
    sender = mailer(smtp_server, username=USERNAME, password=SecretStr(password))

    with pytest.raises(DependencyUnavailable) as caught:
        await sender.send_invitation("ines@example.com", "La Loma", "Ana", "tok_3", EXPIRES)

    assert caught.value.dependency == "smtp"
    told = "".join(traceback.format_exception(caught.value)) + repr(sender)
    assert password not in told
    assert "91x" not in told
    assert smtp_server.inbox.envelopes == []


async def test_an_unreachable_server_is_an_unavailable_dependency():
    closed = SmtpMailer("127.0.0.1", free_port(), SENDER, timeout_seconds=2)

    with pytest.raises(DependencyUnavailable, match="smtp"):
        await closed.send_invitation("ines@example.com", "La Loma", "Ana", "tok_4", EXPIRES)


def settings(**smtp: object) -> Settings:
    return Settings(
        env="test",
        database_url="postgres://postgres:postgres@localhost/agrobridge_test",
        redis_url="redis://localhost/1",
        jwt_private_key_file="/nowhere.pem",
        **smtp,  # type: ignore[arg-type]
    )


def test_no_smtp_host_means_no_mail_is_sent():
    assert isinstance(mailer_from(settings()), NullMailer)
    assert isinstance(mailer_from(settings(smtp_host="")), NullMailer)


def test_the_smtp_settings_make_the_mailer():
    made = mailer_from(
        settings(
            smtp_host="mail.example",
            smtp_port=587,
            smtp_username=USERNAME,
            smtp_password=PASSWORD,
            smtp_starttls=True,
        )
    )

    assert made == SmtpMailer(
        "mail.example", 587, "AgroBridge <no-reply@localhost>", USERNAME, SecretStr(PASSWORD), True
    )
    assert PASSWORD not in repr(made)


async def test_the_expiry_is_told_in_utc_whatever_zone_it_comes_in(smtp_server):
    in_lima = EXPIRES.astimezone(timezone(timedelta(hours=-5)))

    await mailer(smtp_server).send_invitation("ines@example.com", "La Loma", "Ana", "t", in_lima)

    _, message = smtp_server.inbox.only()
    assert "until 2031-05-04 12:30 UTC" in message.get_content()
