"""Personal data kept out of the process logs: phone numbers, e-mail addresses, the credentials in
customers' links (tracking tokens, short links, survey links) and the names message texts carry.

The worker's log is read by whoever runs the server and often ends up in support tickets; the outbox
rows keep the full texts for the roles that may read them.
"""

from __future__ import annotations

import logging
import re

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

# Mainland mobile numbers (with an optional +86 / 86 prefix), not inside longer digit runs (IMEIs).
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# /t/<tracking token>/, /l/<short code>, /s/<survey token>/ and /submit/done/<token>/: each is a credential.
LINK_SECRET = re.compile(r"(/(?:t|l|s|submit/done)/)([A-Za-z0-9_\-]{4,})")


def mask_name(name: str) -> str:
    """王小明 → 王**: enough for the reader of a log to tell messages apart."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    text = PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = LINK_SECRET.sub(lambda m: f"{m.group(1)}***", text)
    for name in names:
        if name and len(name.strip()) >= 2:
            text = text.replace(name.strip(), mask_name(name))
    return text


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
