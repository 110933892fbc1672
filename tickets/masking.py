"""Personal data as a role or a log may see it: the one set of masking rules.

Pages and exports mask single values (``mask_phone`` 138****5678, ``mask_email`` z***@example.com,
``mask_name`` 张**, ``mask_address`` up to the district); ``mask_text`` masks what free text carries
(phones, e-mail addresses, the credentials in customers' links, given names) for the process logs.
"""

from __future__ import annotations

import re

# Mainland mobile numbers (with an optional +86 / 86 prefix), not inside longer digit runs (IMEIs).
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
# /t/<tracking token>/, /l/<short code>, /s/<survey token>/ and /submit/done/<token>/: each is a credential.
LINK_SECRET = re.compile(r"(/(?:t|l|s|submit/done)/)([A-Za-z0-9_\-]{4,})")


def mask_phone(value: str) -> str:
    """138****5678: enough to recognise one's own number, not to call it."""
    if not value:
        return ""
    if len(value) >= 7:
        return f"{value[:3]}****{value[-4:]}"
    return "****"


def mask_email(value: str) -> str:
    """z***@example.com: the domain stays readable, the mailbox does not."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_name(value: str) -> str:
    """张** for a Chinese name, J*** for a latin one: the family name or initial stays."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[:1] + "*" * max(1, min(len(value) - 1, 3))


def mask_address(value: str) -> str:
    """The district stays (what a planner needs), the street and number do not."""
    if not value:
        return ""
    for marker in ("区", "县", "市"):
        cut = value.find(marker)
        if 0 <= cut < len(value) - 1:
            return value[: cut + 1] + "****"
    return value[:2] + "****"


MASKS = {"phone": mask_phone, "email": mask_email, "name": mask_name, "address": mask_address}


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text with its phones, e-mail addresses, link credentials and the given ``names`` masked."""
    text = PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = LINK_SECRET.sub(lambda m: f"{m.group(1)}***", text)
    for name in names:
        if name and len(name.strip()) >= 2:
            text = text.replace(name.strip(), mask_name(name))
    return text
