"""An email backend for tests: Django's locmem outbox, except that the addresses in
`REFUSED` are refused as an SMTP server refuses a recipient (the real SMTP backend raises
the same exception)."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.locmem import EmailBackend

REFUSED: set[str] = set()


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        for message in messages:
            refused = {
                address: (550, b"No such user") for address in message.to if address in REFUSED
            }
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)
