"""Event kinds written by the field force and the workshop (dispatch, visits, repair orders, quotes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    from .models import RepairOrder

    register("repair.opened", _("设备已接收，开始检测"), customer_visible=True)
    # Workshop steps: the repair-order service decides which step the customer sees.
    register("repair.status_changed", _("维修进度"), customer_visible=None, states=RepairOrder.Status)
    register("repair.delay_warning", _("三包时限预警"), customer_visible=False)
    register("visit.departed", _("工程师已出发"), customer_visible=True)
    register("visit.checked_in", _("工程师已到达"), customer_visible=True)
    register("visit.far_check_in", _("签到位置偏远"), customer_visible=False)
    register("quote.created", _("已生成报价"), customer_visible=False)
    register("quote.parts_short", _("备件库存不足"), customer_visible=False)
    register("warranty.card_issued", _("已签发新三包凭证"), customer_visible=True)
    register("warranty.decided", _("三包处理决定"), customer_visible=True)
    register("dispatch.escalated", _("无可派工程师"), customer_visible=False)
    register("dispatch.accepted", _("工程师已接单"), customer_visible=False)
    register("dispatch.declined", _("工程师拒单"), customer_visible=False)
    register("dispatch.helper_added", _("增派协助工程师"), customer_visible=False)
    register("dispatch.off_duty", _("工程师离岗，重新派工"), customer_visible=False)
    register("dispatch.override", _("候选名单外派工（附原因）"), customer_visible=False)
    register("parts.request_pending", _("备件申请待审批"), customer_visible=False)
    register("parts.reconciled", _("备件核销"), customer_visible=False)
    from .scheduling.events import register_kinds as register_scheduling_kinds

    register_scheduling_kinds()
