"""Event kinds written by the knowledge base on a ticket's timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    register("knowledge.diagnosis", _("引导诊断结果"), customer_visible=False)
