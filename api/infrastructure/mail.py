"""Invitation mail: plain text over SMTP with the standard library, or none when unconfigured."""

import asyncio
import json
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pydantic import SecretStr

from api.application.ports import Mailer
from api.infrastructure.faults import DependencyUnavailable
from api.settings import Settings

ACCEPT_PATH = "/api/v1/invitations/accept"
REGISTER_PATH = "/api/v1/auth/register"


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None = None
    # A SecretStr so that a repr of the mailer (a log line, a traceback) shows no password.
    password: SecretStr | None = None
    starttls: bool = False
    timeout_seconds: float = 10.0

    async def send_invitation(
        self, to: str, organisation: str, inviter: str, token: str, expires_at: datetime
    ) -> bool:
        message = invitation(self.sender, to, organisation, inviter, token, expires_at)
        # smtplib blocks: a thread keeps the event loop serving while the server answers.
        await asyncio.to_thread(self._send, message, sender_address(self.sender), to)
        return True

    def _send(self, message: EmailMessage, sender: str, to: str) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username is not None and self.password is not None:
                    client.login(self.username, self.password.get_secret_value())
                # The envelope names the one recipient: no header can add another.
                client.send_message(message, from_addr=sender, to_addrs=[to])
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            # `from None`: an underlying error may quote what was sent (AUTH carries the
            # password), so only its kind and SMTP code leave this function.
            code = getattr(exc, "smtp_code", None)
            reason = type(exc).__name__ + (f" {code}" if code else "")
            raise DependencyUnavailable("smtp", reason) from None


@dataclass(frozen=True)
class NullMailer:
    """No SMTP host configured (development, tests): invitation mail goes nowhere."""

    async def send_invitation(
        self, to: str, organisation: str, inviter: str, token: str, expires_at: datetime
    ) -> bool:
        return False


def mailer_from(settings: Settings) -> Mailer:
    if not settings.smtp_host:
        return NullMailer()
    sender_address(settings.smtp_sender)  # a sender we cannot use fails at start, not per mail
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        timeout_seconds=settings.smtp_timeout_seconds,
    )


def invitation(
    sender: str, to: str, organisation: str, inviter: str, token: str, expires_at: datetime
) -> EmailMessage:
    organisation, inviter = one_line(organisation), one_line(inviter)
    expires = expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient(to)
    message["Subject"] = f"Invitation to join {organisation} on AgroBridge"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender_address(sender).rpartition("@")[2])
    body = json.dumps({"token": token})
    message.set_content(
        f"{inviter} has invited you to join {organisation} on AgroBridge.\n"
        "\n"
        f"Your invitation token, valid once, until {expires}:\n"
        "\n"
        f"    {token}\n"
        "\n"
        "To accept with an AgroBridge account you already have, log in and send\n"
        "\n"
        f"    POST {ACCEPT_PATH}\n"
        f"    {body}\n"
        "\n"
        f'New to AgroBridge? Register at POST {REGISTER_PATH} and add "invitation_token"\n'
        "with the token above to the registration.\n"
        "\n"
        "If you did not expect this invitation, ignore this message.\n"
    )
    return message


def one_line(name: str) -> str:
    """A name as one line of plain text: line breaks and other control characters become
    spaces, so a name can neither start a header nor fake lines of the message."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in name)
    return " ".join(cleaned.split())


def recipient(to: str) -> Address:
    """One bare address ("a@example.com"), nothing more: no name, list or line break."""
    try:
        return Address(addr_spec=to)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError("the invitation's recipient is not one plain e-mail address") from exc


def sender_address(sender: str) -> str:
    """The bare address of the configured sender, "AgroBridge <no-reply@example.com>"."""
    holder = EmailMessage()
    try:
        holder["From"] = sender
        addresses = holder["From"].addresses
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError("the sender is not one e-mail address") from exc
    if len(addresses) != 1 or not addresses[0].domain:
        raise ValueError("the sender is not one e-mail address")
    return str(addresses[0].addr_spec)
