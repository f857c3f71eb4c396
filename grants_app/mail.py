"""Mail transports: console in development, memory in tests, SMTP in production."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from grants_app.config import Settings


class ConsoleMailer:
    """Prints each email in a box that stands out from the request log, so a developer can find the
    sign-in link in the terminal. Lines are never wrapped or cut (a link must stay whole), and the box
    has no right-hand border, so a link copied from the terminal picks up nothing after it."""

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, to: str, subject: str, body: str) -> None:
        stream = self.stream or sys.stdout
        print(boxed_email(to, subject, body, colour=_is_terminal(stream)), file=stream)
        stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def boxed_email(to: str, subject: str, body: str, *, colour: bool = False) -> str:
    """The email as printed in development: a heavy rule with a heading above and below, and a bar
    down the left of every line (bold yellow rules on a terminal that shows colour)."""
    lines = [f"To:      {to}", f"Subject: {subject}", "", *body.rstrip("\n").splitlines()]
    width = max(60, *(len(line) + 2 for line in lines))
    heading = " EMAIL (development: printed here, not sent) "
    top = "┏━━" + heading + "━" * max(0, width - len(heading) - 2)
    bottom = "┗" + "━" * width
    bar = "┃ "
    if colour:
        top, bottom, bar = (f"\x1b[1;33m{part}\x1b[0m" for part in (top, bottom, bar))
    return "\n".join(["", top, *(f"{bar}{line}".rstrip() for line in lines), bottom, ""])


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


class SMTPMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        # The timeout covers every socket step (connect, greeting, each command), so a server that
        # accepts and never answers fails this attempt in seconds; the outbox retries it later.
        timeout = self.settings.mail_timeout_seconds
        with smtplib.SMTP(self.settings.mail_server, self.settings.mail_port, timeout=timeout) as smtp:
            if self.settings.mail_use_tls:
                smtp.starttls()
            if self.settings.mail_username:
                smtp.login(self.settings.mail_username, self.settings.mail_password)
            smtp.send_message(message)


def mailer_for(settings: Settings):
    if settings.mail_backend == "smtp":
        return SMTPMailer(settings)
    if settings.mail_backend == "memory":
        return MemoryMailer()
    return ConsoleMailer()
