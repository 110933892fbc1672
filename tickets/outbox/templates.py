"""Message templates: code defaults per event (registered by any app) and the editable DB overrides.

Other apps register defaults for their own events in ``AppConfig.ready``::

    register_default("quote.sent", channel="sms", zh_subject="", zh_body="…", en_subject="", en_body="…")

A DB ``MessageTemplate`` row of the same event, channel and language wins over the code default;
an event without any template uses the generic ``*`` default of its channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.template import Context, Engine

GENERIC = "*"
LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class TemplateText:
    subject: str
    body: str


_DEFAULTS: dict[tuple[str, str, str], TemplateText] = {}
_engine = Engine(autoescape=False)


def register_default(event: str, *, channel: str, zh_subject: str, zh_body: str, en_subject: str,
                     en_body: str) -> None:
    """Register (or replace) the code default of ``event`` on ``channel`` in both languages."""
    _DEFAULTS[(event, channel, "zh-hans")] = TemplateText(zh_subject, zh_body)
    _DEFAULTS[(event, channel, "en")] = TemplateText(en_subject, en_body)


def registered_defaults() -> dict[tuple[str, str, str], TemplateText]:
    return dict(_DEFAULTS)


def normalize_language(language: str | None) -> str:
    lang = (language or "").lower()
    return "en" if lang.startswith("en") else "zh-hans"


def template_for(event: str, channel: str, language: str) -> TemplateText:
    """The template to render: DB override, else the event's code default, else the generic one."""
    from tickets.models import MessageTemplate

    language = normalize_language(language)
    row = (MessageTemplate.objects.filter(event=event, channel=channel, language=language, is_active=True)
           .values_list("subject", "body").first())
    if row is not None:
        return TemplateText(*row)
    return _default_for(event, channel, language)


def _default_for(event: str, channel: str, language: str) -> TemplateText:
    """The code default: the event's in this language, else in Chinese, else the generic one."""
    for key in ((event, channel, language), (event, channel, "zh-hans"), (GENERIC, channel, language)):
        if key in _DEFAULTS:
            return _DEFAULTS[key]
    return _DEFAULTS[(GENERIC, "sms", language)]


def templates_for(pairs: list[tuple[str, str]], language: str) -> dict[tuple[str, str], TemplateText]:
    """``template_for`` of several (event, channel) pairs in one query, for a caller writing many
    messages of a few kinds (the SLA sweep)."""
    from tickets.models import MessageTemplate

    language = normalize_language(language)
    events, channels = {e for e, _c in pairs}, {c for _e, c in pairs}
    rows = {(event, channel): TemplateText(subject, body) for event, channel, subject, body in
            MessageTemplate.objects.filter(event__in=events, channel__in=channels, language=language,
                                           is_active=True).values_list("event", "channel", "subject", "body")}
    return {pair: rows.get(pair) or _default_for(*pair, language) for pair in pairs}


@lru_cache(maxsize=512)
def _compiled(source: str):
    """A template compiled once per text: a sweep renders the same few texts hundreds of times (a
    compiled Template renders any number of contexts; an edited text is a new key)."""
    return _engine.from_string(source)


def render(text: TemplateText, context: dict) -> tuple[str, str]:
    ctx = Context(context)
    subject = _compiled(text.subject).render(ctx).strip()
    body = _compiled(text.body).render(ctx).strip()
    return subject, body


# -- code defaults of the hub's own events ----------------------------------------------------------

_GENERIC_ZH = "【售后服务】您的工单 {{ ticket.number }}：{{ message }}"
_GENERIC_EN = "[After-sales] Ticket {{ ticket.number }}: {{ message }}"
for _channel in ("sms", "wechat", "email"):
    register_default(
        GENERIC, channel=_channel,
        zh_subject="工单 {{ ticket.number }} 有新进展", zh_body=_GENERIC_ZH,
        en_subject="Update on ticket {{ ticket.number }}", en_body=_GENERIC_EN,
    )

# The receipt of a new ticket, when it is written straight to the outbox (an operator resending it, an
# edited template): the customer must get the way to follow the repair in the message itself, so the
# tracking link ends the text after a space (a phone's link detector stops there), as the milestone
# words do; without this the generic text would say nothing but the number.
for _channel in ("sms", "wechat", "email"):
    register_default(
        "ticket.created", channel=_channel,
        zh_subject="工单 {{ ticket.number }}：已受理",
        zh_body="【售后服务】报修已受理，单号{{ ticket.number }}，进度 {{ tracking_url }}",
        en_subject="Ticket {{ ticket.number }}: received",
        en_body="[After-sales] Ticket {{ ticket.number }} is registered. Track it at {{ tracking_url }}",
    )

# Staff notifications of the SLA sweep and of dispatch.
for _channel in ("sms", "email"):
    register_default(
        "sla.reminder", channel=_channel,
        zh_subject="SLA 提醒：工单 {{ ticket.number }}",
        zh_body="【SLA 提醒】工单 {{ ticket.number }} 已用去 75% 解决时限，截止 {{ due|date:'Y-m-d H:i' }}，请尽快处理。",
        en_subject="SLA reminder: ticket {{ ticket.number }}",
        en_body="[SLA] Ticket {{ ticket.number }} used 75% of its resolution target; due {{ due|date:'Y-m-d H:i' }}.",
    )
    register_default(
        "sla.escalation", channel=_channel,
        zh_subject="SLA 超时升级：工单 {{ ticket.number }}",
        zh_body="【SLA 超时】工单 {{ ticket.number }} {{ reason }}（截止 {{ due|date:'Y-m-d H:i' }}），已升级至网点经理。",
        en_subject="SLA breach: ticket {{ ticket.number }}",
        en_body="[SLA] Ticket {{ ticket.number }} breached ({{ reason }}, due {{ due|date:'Y-m-d H:i' }}); "
                "escalated to the center manager.",
    )
    register_default(
        "dispatch.escalation", channel=_channel,
        zh_subject="派工失败：工单 {{ ticket.number }}",
        zh_body="【派工】工单 {{ ticket.number }} 没有可派的工程师（{{ reason }}），已退回派工队列，请人工处理。",
        en_subject="Dispatch failed: ticket {{ ticket.number }}",
        en_body="[Dispatch] No technician available for ticket {{ ticket.number }} ({{ reason }}); "
                "returned to the dispatch queue.",
    )
    register_default(
        "dispatch.offered", channel=_channel,
        zh_subject="新工单：{{ ticket.number }}",
        zh_body="【派工】您有新工单 {{ ticket.number }}：{{ ticket.title }}，请及时接单。",
        en_subject="New job: {{ ticket.number }}",
        en_body="[Dispatch] New job {{ ticket.number }}: {{ ticket.title }}. Please accept it.",
    )
