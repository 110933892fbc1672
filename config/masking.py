"""Personal data kept out of the process logs and the console e-mail backend, masked by the rules of
``tickets.masking``: phone numbers, e-mail addresses, the credentials in customers' links (tracking
tokens, short links, survey links) and the names message texts carry.

The worker's log is read by whoever runs the server and often ends up in support tickets; the outbox
rows keep the full texts for the roles that may read them.
"""

from __future__ import annotations

import logging

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

from tickets.masking import mask_text


class MaskPersonalData(logging.Filter):
    """A logging filter: formats the record once and masks what it says."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        masked = mask_text(message, names=tuple(getattr(record, "mask_names", ()) or ()))
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskedConsoleEmailBackend(ConsoleEmailBackend):
    """Django's console backend prints whole e-mails; this one prints them with the personal data masked."""

    def write_message(self, message) -> None:
        body = message.body if isinstance(message.body, str) else ""
        lines = [
            f"To: {mask_text(', '.join(message.to))}",
            f"Subject: {mask_text(str(message.subject))}",
            "",
            mask_text(body),
            "-" * 79,
            "",
        ]
        self.stream.write("\n".join(lines))
