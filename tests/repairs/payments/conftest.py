from __future__ import annotations

from decimal import Decimal

import pytest

from repairs.models import RepairOrder
from repairs.services import (
    qc_checklist_for,
    qc_pass,
    quote_approve,
    quote_create,
    quote_send,
    repair_diagnose,
    repair_fit_part,
    repair_order_open,
    repair_photos_add,
    repair_start,
    repair_submit_qc,
)

#: the part (¥699) and the labour (¥80) of the quote below
QUOTE_TOTAL = Decimal("779.00")


def build_paid_repair(w, png, qc_user, *, passed=True):
    """A water-damaged phone (三包 excluded, so the customer pays): quoted, approved, repaired, QC passed."""
    tech = w["technician"].user
    order = repair_order_open(ticket=w["ticket"], by=tech)
    evidence = repair_photos_add(repair_order=order, photos=[("liquid.png", png("blue"))], purpose="evidence", by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="主板进水腐蚀", by=tech,
                            exclusions=[{"code": "liquid", "evidence": [evidence[0].pk]}])
    quote = quote_create(repair_order=order, lines=[
        {"kind": "part", "part": w["part"], "unit_price": Decimal("699")},
        {"kind": "labor", "description": "更换屏幕工时", "unit_price": Decimal("80")}], by=tech)
    quote_send(quote=quote, by=tech)
    quote_approve(quote=quote, signature_png=png(), signer_name="张三", ip="10.0.0.8", user_agent="Mozilla/5.0",
                  by=tech)
    if not passed:
        return RepairOrder.objects.get(pk=order.pk)
    order = repair_start(repair_order=RepairOrder.objects.get(pk=order.pk), by=tech)
    repair_fit_part(repair_order=order, part=w["part"], serial="SCR-2026-0002", old_serial="OLD-78", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕", after_photos=[("after.png", png())])
    return qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)


@pytest.fixture
def paid_repair(workshop, png, qc_user):
    order = build_paid_repair(workshop, png, qc_user)
    assert order.status == RepairOrder.Status.PASSED
    return order
