"""Mail transports: console in development, memory in tests, SMTP in production."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from grants_app.config import Settings


class ConsoleMailer:
    """Prints each email so a developer can follow sign-in links from the terminal."""

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, to: str, subject: str, body: str) -> None:
        stream = self.stream or sys.stdout
        print(
            f"\n----- email to {to} -----\nSubject: {subject}\n\n{body}\n----- end of email -----",
            file=stream,
        )
        stream.flush()


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
