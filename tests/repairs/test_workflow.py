"""A repair from diagnosis to hand-back through the services; the ticket FSM follows every step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from parts.models import Reservation
from repairs.exceptions import ApprovalRequired, EvidenceRequired, QCGateFailed, QuoteLocked
from repairs.models import Quote, QuoteLine, RepairOrder, RepairRecord, RepairStatusChange, WarrantyCard
from repairs.services import (
    qc_checklist_for,
    qc_fail,
    qc_pass,
    quote_approve,
    quote_create,
    quote_decline,
    quote_send,
    repair_diagnose,
    repair_fit_part,
    repair_hand_back,
    repair_order_open,
    repair_parts_arrived,
    repair_photos_add,
    repair_start,
    repair_submit_qc,
    repair_wait_parts,
)
from repairs.services.common import TICKET_STATE_FOR
from tickets.exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db


def agree(order: RepairOrder) -> None:
    order.refresh_from_db()
    ticket = Ticket.objects.get(pk=order.ticket_id)
    assert ticket.status == TICKET_STATE_FOR[order.status], (order.status, ticket.status)


def _lines(w):
    return [{"kind": "part", "part": w["part"], "unit_price": Decimal("699")},
            {"kind": "labor", "description": "更换屏幕工时", "unit_price": Decimal("80")}]


def _approved(w, png, *, fault="phone.display", exclusions=None):
    tech = w["technician"].user
    order = repair_order_open(ticket=w["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code=fault, findings="屏幕无显示", cause="屏幕排线老化",
                            by=tech, before_photos=[("before.png", png())], exclusions=exclusions)
    quote = quote_create(repair_order=order, lines=_lines(w), by=tech)
    quote_send(quote=quote, by=tech)
    quote = quote_approve(quote=quote, signature_png=png(), signer_name="张三", ip="10.0.0.8",
                          user_agent="Mozilla/5.0 (iPhone)")
    return RepairOrder.objects.get(pk=order.pk), quote


def test_full_repair_from_diagnosis_to_hand_back(workshop, png, qc_user):
    w, tech = workshop, workshop["technician"].user
    order = repair_order_open(ticket=w["ticket"], by=tech)
    agree(order)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", by=tech,
                            cause="排线老化", before_photos=[("before.png", png())])
    agree(order)
    assert order.status == RepairOrder.Status.QUOTING
    assert order.in_warranty
    assert order.warranty_decision["summary"]
    assert "free_repair" in order.warranty_decision["remedies"]
    assert Attachment.objects.filter(ticket=w["ticket"], purpose="before").count() == 1

    quote = quote_create(repair_order=order, lines=_lines(w), by=tech)
    assert quote.version == 1
    assert quote.under_warranty
    assert quote.total == Decimal("0.00")
    assert all(line.is_free and "三包" in line.free_reason for line in quote.lines.all())
    quote_send(quote=quote, by=tech)
    agree(order)
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.WAITING_CUSTOMER

    quote = quote_approve(quote=quote, signature_png=png(), signer_name="张三", ip="10.0.0.8",
                          user_agent="Mozilla/5.0 (iPhone)")
    assert quote.status == Quote.Status.APPROVED
    assert quote.signature.kind == Attachment.Kind.SIGNATURE
    assert (quote.signer_ip, quote.signer_name) == ("10.0.0.8", "张三")
    assert quote.approved_at is not None
    line = quote.lines.get(kind="part")
    assert line.reservation.status == Reservation.Status.ACTIVE
    agree(order)

    order = repair_start(repair_order=order, by=tech)
    order = repair_wait_parts(repair_order=order, by=tech, producer_parts=True, note="屏幕调拨中")
    agree(order)
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.WAITING_PARTS
    order = repair_parts_arrived(repair_order=order, by=tech)
    agree(order)
    fitted = repair_fit_part(repair_order=order, part=w["part"], serial="SCR-0001", old_serial="OLD-9", by=tech)
    assert fitted.reservation.status == Reservation.Status.CONSUMED

    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕总成",
                             after_photos=[("after.png", png())], technician_signature_png=png())
    agree(order)
    order = qc_fail(repair_order=order, reason="屏幕边缘漏光", by=qc_user)
    agree(order)
    assert order.status == RepairOrder.Status.REPAIRING
    assert order.rework_count == 1
    assert Ticket.objects.get(pk=order.ticket_id).rework_count == 1
    order = repair_submit_qc(repair_order=order, by=tech, work_done="重新安装屏幕并校准")
    checklist = {item["code"]: True for item in qc_checklist_for(order)}
    order = qc_pass(repair_order=order, checklist=checklist, by=qc_user)
    agree(order)
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.READY

    order = repair_hand_back(repair_order=order, by=tech, signer_name="张三", signature_png=png())
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.RESOLVED
    record = RepairRecord.objects.get(repair_order=order)
    assert record.fault_code == "phone.display"
    assert record.listed_fault
    assert record.technician == w["technician"]
    assert record.card.device == w["device"]
    transitions = list(RepairStatusChange.objects.filter(repair_order=order).values_list("to_state", flat=True))
    assert transitions == ["quoting", "awaiting_approval", "approved", "repairing", "awaiting_parts", "repairing",
                           "qc", "rework", "repairing", "qc", "passed"]


def test_records_and_cards_are_immutable(workshop, png, qc_user):
    w = workshop
    order, _quote = _approved(w, png)
    from repairs.services import repair_record_write

    record = repair_record_write(repair_order=order, by=None)
    record.cause = "改写"
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):
        record.delete()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        RepairRecord.objects.filter(pk=record.pk).update(cause="改写")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        WarrantyCard.objects.filter(pk=record.card_id).update(consumer_name="别人")
    assert RepairRecord.objects.get(pk=record.pk).cause == "屏幕排线老化"


def test_second_repair_order_for_the_same_ticket_is_refused(workshop):
    tech = workshop["technician"].user
    repair_order_open(ticket=workshop["ticket"], by=tech)
    with pytest.raises(ConflictError):
        repair_order_open(ticket=workshop["ticket"], by=tech)


def test_other_technician_cannot_work_the_ticket(workshop):
    from tests import factories

    other = factories.TechnicianFactory()
    other.user.groups.add(*workshop["technician"].user.groups.all())
    with pytest.raises(PermissionDeniedError):
        repair_order_open(ticket=workshop["ticket"], by=other.user)


def test_unknown_fault_code_is_refused_and_nothing_changes(workshop):
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    with pytest.raises(ValidationFailed):
        repair_diagnose(repair_order=order, fault_code="fridge.no_cooling", findings="x", by=tech)
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.DIAGNOSING
    assert order.warranty_decision == {}


def test_exclusion_needs_evidence_and_then_makes_the_repair_paid(workshop, png):
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    with pytest.raises(EvidenceRequired):
        repair_diagnose(repair_order=order, fault_code="phone.display", findings="主板进水腐蚀", by=tech,
                        exclusions=[{"code": "liquid"}])
    evidence = repair_photos_add(repair_order=order, photos=[("liquid.png", png("blue"))], purpose="evidence",
                                 by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="主板进水腐蚀", by=tech,
                            exclusions=[{"code": "liquid", "evidence": [evidence[0].pk]}])
    assert not order.in_warranty
    assert order.warranty_decision["remedies"] == ["paid_repair"]
    assert order.warranty_decision["exclusion"] == "liquid"
    quote = quote_create(repair_order=order, lines=[{"kind": "part", "part": workshop["part"]}], by=tech)
    assert quote.total == Decimal("699.00")
    assert not quote.lines.get().is_free


def test_approved_quote_never_changes_and_new_lines_need_new_approval(workshop, png):
    w, tech = workshop, workshop["technician"].user
    order, quote = _approved(w, png)
    line = quote.lines.first()
    line.unit_price = Decimal("1")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        QuoteLine(quote=quote, kind="labor", description="追加", unit_price=Decimal("5"), amount=Decimal("5")).save()
    order = repair_start(repair_order=order, by=tech)
    from tests import factories

    battery = factories.PartFactory(name="电池", retail_price=Decimal("199"))
    factories.StockLevelFactory(part=battery, location=w["location"], on_hand=3)
    with pytest.raises(ApprovalRequired):
        repair_fit_part(repair_order=order, part=battery, serial="BAT-1", by=tech)
    v2 = quote_create(repair_order=order, lines=[{"kind": "part", "part": battery, "chargeable": True}], by=tech)
    assert v2.version == 2
    assert v2.lines.count() == 3  # the approved lines carry over, plus the new one
    assert v2.total == Decimal("199.00")
    quote_send(quote=v2, by=tech)
    agree(order)
    with pytest.raises(QuoteLocked):
        quote_send(quote=v2, by=tech)
    quote_approve(quote=v2, signature_png=png(), signer_name="张三", ip="10.0.0.9", user_agent="UA", by=tech)
    order = repair_start(repair_order=order, by=tech)
    assert repair_fit_part(repair_order=order, part=battery, serial="BAT-1", by=tech).quote_line.quote == v2
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    assert quote.lines.count() == 2


def test_declined_quote_ends_the_job_and_device_goes_back(workshop, png):
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", by=tech)
    quote = quote_create(repair_order=order, lines=_lines(workshop), by=tech)
    quote_send(quote=quote, by=tech)
    quote_decline(quote=quote, reason="太贵了", by=tech)
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.DECLINED
    agree(order)
    repair_hand_back(repair_order=order, by=tech, signer_name="张三", signature_png=png())
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.RESOLVED


def test_invalid_signature_changes_nothing(workshop):
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", by=tech)
    quote = quote_create(repair_order=order, lines=_lines(workshop), by=tech)
    quote_send(quote=quote, by=tech)
    with pytest.raises(ValidationFailed):
        quote_approve(quote=quote, signature_png=b"not an image", signer_name="张三", ip=None, user_agent="")
    quote.refresh_from_db()
    order.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    assert order.status == RepairOrder.Status.AWAITING_APPROVAL


def test_qc_gate_lists_what_is_missing(workshop, png, qc_user):
    w, tech = workshop, workshop["technician"].user
    order, _quote = _approved(w, png)
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=w["part"], serial="", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕")
    with pytest.raises(QCGateFailed) as info:
        qc_pass(repair_order=order, checklist={"power": True}, by=qc_user)
    problems = info.value.extra["problems"]
    assert any("维修后照片" in p for p in problems)
    assert any("序列号" in p for p in problems)
    assert any("检查项" in p for p in problems)
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.QC


def test_qc_needs_qc_permission(workshop, png):
    w, tech = workshop, workshop["technician"].user
    order, _ = _approved(w, png)
    order = repair_start(repair_order=order, by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="x", after_photos=[("a.png", png())])
    with pytest.raises(PermissionDeniedError):
        qc_fail(repair_order=order, reason="x", by=tech)


def test_repair_cannot_start_without_approval(workshop):
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    with pytest.raises(ApprovalRequired):
        repair_start(repair_order=order, by=tech)


def test_delay_watch_warns_manager_before_the_trigger(workshop, png, manager):
    import datetime as dt

    from django.utils import timezone

    from repairs.services import repair_delay_watch
    from tickets.models import TicketEvent

    w = workshop
    manager.email = "boss@example.com"
    manager.save()
    w["center"].managers.add(manager)
    order, _ = _approved(w, png)
    RepairOrder.objects.filter(pk=order.pk).update(received_at=timezone.now() - dt.timedelta(days=27))
    today = timezone.localdate()
    assert repair_delay_watch(today=today) == 1
    assert repair_delay_watch(today=today) == 0  # idempotent
    event = TicketEvent.objects.filter(ticket=w["ticket"], kind="repair.delay_warning").get()
    assert "修理者超期" in event.message
    assert event.customer_visible is False


def test_delay_watch_sends_mail_after_commit(workshop, png, manager, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from repairs.services import repair_delay_watch

    manager.email = "boss@example.com"
    manager.save()
    workshop["center"].managers.add(manager)
    order, _ = _approved(workshop, png)
    RepairOrder.objects.filter(pk=order.pk).update(received_at=timezone.now() - dt.timedelta(days=40))
    with django_capture_on_commit_callbacks(execute=True):
        repair_delay_watch()
    assert [m.to for m in mail.outbox if "超期" in m.subject] == [["boss@example.com"]]


def test_delay_watch_is_scheduled_hourly():
    from django_q.models import Schedule

    from repairs.tasks import repairs_watch_delays

    schedule = Schedule.objects.get(name="repairs.watch_delays")
    assert schedule.func == "repairs.tasks.repairs_watch_delays"
    assert schedule.schedule_type == Schedule.HOURLY
    assert repairs_watch_delays() == 0  # nothing active: nothing raised


def test_removed_part_goes_back_to_the_defective_store(workshop, png):
    from parts.models import DefectiveReturn, Location
    from tests import factories

    w, tech = workshop, workshop["technician"].user
    factories.LocationFactory(code="DEF-01", name="旧件库", kind=Location.Kind.DEFECTIVE)
    order, _quote = _approved(w, png)
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=w["part"], serial="SCR-0009", old_serial="old-55", by=tech)
    record = DefectiveReturn.objects.get(ticket=w["ticket"])
    assert record.removed_serial == "OLD-55"
    assert record.to_location.code == "DEF-01"
    assert w["ticket"].events.filter(kind="part.defective_registered").exists()


def test_without_a_defective_store_fitting_still_works(workshop, png):
    from parts.models import DefectiveReturn

    w, tech = workshop, workshop["technician"].user
    order, _quote = _approved(w, png)
    order = repair_start(repair_order=order, by=tech)
    fitted = repair_fit_part(repair_order=order, part=w["part"], serial="SCR-0010", old_serial="OLD-56", by=tech)
    assert fitted.old_serial == "OLD-56"
    assert not DefectiveReturn.objects.exists()
