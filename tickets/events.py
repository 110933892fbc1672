"""Event kinds of the ticket timeline and their localized labels (one vocabulary: ``ticket.assigned``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# transition name -> (event kind, customer-visible, customer-facing label)
TRANSITION_EVENTS: dict[str, tuple[str, bool, object]] = {
    "triage": ("ticket.triaged", True, _("已受理，正在安排服务")),
    "assign": ("ticket.assigned", True, _("已为您安排工程师")),
    "release": ("ticket.released", False, _("工程师已退回，重新派工")),
    "start": ("ticket.started", True, _("工程师已开始处理")),
    "wait_customer": ("ticket.waiting_customer", True, _("等待您的确认或补充信息")),
    "wait_parts": ("ticket.waiting_parts", True, _("正在等待备件到货")),
    "resume": ("ticket.resumed", True, _("继续处理中")),
    "submit_qc": ("ticket.quality_check", True, _("维修完成，正在质检")),
    "pass_qc": ("ticket.ready", True, _("质检通过，可取机")),
    "rework": ("ticket.rework", False, _("质检未通过，返工")),
    "resolve": ("ticket.resolved", True, _("服务已完成")),
    "close": ("ticket.closed", True, _("工单已关闭")),
    "reopen": ("ticket.reopened", True, _("工单已重新打开")),
    "cancel": ("ticket.cancelled", True, _("工单已取消")),
}

OTHER_EVENTS: dict[str, object] = {
    "ticket.created": _("工单已创建"),
    "ticket.note": _("备注"),
    "ticket.updated": _("工单信息已更新"),
    "ticket.attachment_added": _("已上传附件"),
    "ticket.estimate": _("三包与价格预估"),
}


def event_label(kind: str) -> str:
    for event_kind, _visible, label in TRANSITION_EVENTS.values():
        if event_kind == kind:
            return str(label)
    label = OTHER_EVENTS.get(kind)
    return str(label) if label is not None else kind
