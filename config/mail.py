"""A development e-mail backend that logs one line per message (``make run``'s default).

Django's console backend prints every header and body line, so a worker delivering a few e-mails
floods the log; the message itself stays in the outbox row for anyone who wants to read it.
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("mail")


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            body = " ".join(str(message.body or "").split())
            logger.info("email → %s: %s | %s", ", ".join(message.recipients()), " ".join(str(message.subject).split()),
                        body if len(body) <= 160 else body[:159] + "…")
        return len(email_messages)
