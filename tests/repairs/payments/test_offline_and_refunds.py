"""Staff record cash or transfer; refunds follow the 三包 decision; the e-invoice waits for the money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from repairs.models import RepairOrder
from repairs.payments.exceptions import AlreadyPaid, NothingToPay
from repairs.payments.models import Payment, Refund
from repairs.payments.services import payment_record_offline, payment_refund
from tickets.exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from tickets.models import InvoiceRequest, TicketEvent
from tickets.progress.services import invoice_refusal, invoice_request_submit

from .conftest import QUOTE_TOTAL, build_paid_repair

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre_manager(manager, workshop):
    workshop["center"].managers.add(manager)
    return manager


def test_cash_is_recorded_once_with_the_quote_amount(paid_repair, centre_manager, agent):
    ticket = paid_repair.ticket
    with pytest.raises(ValidationFailed):
        payment_record_offline(ticket=ticket, method="cash", amount=Decimal("700"), reference="", by=centre_manager)
    with pytest.raises(ValidationFailed):
        payment_record_offline(ticket=ticket, method="transfer", amount=QUOTE_TOTAL, reference="", by=centre_manager)
    with pytest.raises(PermissionDeniedError):
        payment_record_offline(ticket=ticket, method="cash", amount=QUOTE_TOTAL, reference="", by=agent)
    assert not Payment.objects.exists()

    payment = payment_record_offline(ticket=ticket, method="cash", amount=QUOTE_TOTAL, reference="SJ-0001",
                                     by=centre_manager)
    assert payment.status == Payment.Status.PAID
    assert payment.recorded_by == centre_manager
    assert TicketEvent.objects.filter(ticket=ticket, kind="payment.received").count() == 1
    with pytest.raises(AlreadyPaid):
        payment_record_offline(ticket=ticket, method="transfer", amount=QUOTE_TOTAL, reference="T1",
                               by=centre_manager)


def test_the_database_refuses_a_second_settled_payment(paid_repair, centre_manager):
    payment = payment_record_offline(ticket=paid_repair.ticket, method="cash", amount=QUOTE_TOTAL, reference="",
                                     by=centre_manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(ticket=payment.ticket, repair_order=payment.repair_order, quote=payment.quote,
                               method="transfer", amount=QUOTE_TOTAL, out_trade_no="RC-X", status="paid")


def test_nothing_is_due_before_an_approved_paid_quote(workshop, png, qc_user, centre_manager):
    with pytest.raises(NothingToPay):
        payment_record_offline(ticket=workshop["ticket"], method="cash", amount=QUOTE_TOTAL, reference="",
                               by=centre_manager)


def test_a_refund_needs_a_warranty_decision_that_owes_it(paid_repair, centre_manager):
    payment = payment_record_offline(ticket=paid_repair.ticket, method="cash", amount=QUOTE_TOTAL, reference="",
                                     by=centre_manager)
    with pytest.raises(InvalidTransition, match="三包"):
        payment_refund(payment=payment, amount=QUOTE_TOTAL, reason="客户要求", by=centre_manager)

    # the 三包 decision is revisited: the cost is the producer's after all
    RepairOrder.objects.filter(pk=paid_repair.pk).update(decision_status="decided", decided_remedy="free_repair",
                                                         decided_payer="producer")
    with pytest.raises(ValidationFailed):
        payment_refund(payment=payment, amount=QUOTE_TOTAL + 1, reason="三包免费维修", by=centre_manager)
    with pytest.raises(ValidationFailed):
        payment_refund(payment=payment, amount=Decimal("100"), reason=" ", by=centre_manager)

    refund = payment_refund(payment=payment, amount=Decimal("79.00"), reason="工时费三包免费", by=centre_manager)
    assert refund.status == Refund.Status.SUCCEEDED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert payment.refundable == Decimal("700.00")
    payment_refund(payment=payment, amount=Decimal("700.00"), reason="备件三包免费", by=centre_manager)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    with pytest.raises(InvalidTransition):
        payment_refund(payment=payment, amount=Decimal("1"), reason="再退", by=centre_manager)
    refunded = TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.refunded")
    assert refunded.count() == 2
    assert all(e.customer_visible for e in refunded)


def test_the_invoice_waits_for_the_money(paid_repair, centre_manager):
    ticket = paid_repair.ticket
    ticket.refresh_from_db()
    assert ticket.status == "ready"
    assert invoice_refusal(ticket=ticket) == "维修费用付款后才能申请发票。"
    with pytest.raises(InvalidTransition):
        invoice_request_submit(ticket=ticket, kind="personal", title="张三", email="z@example.com")
    assert not InvoiceRequest.objects.exists()

    payment_record_offline(ticket=ticket, method="transfer", amount=QUOTE_TOTAL, reference="CMB-20261126-01",
                           by=centre_manager)
    assert invoice_refusal(ticket=ticket) is None
    invoice_request_submit(ticket=ticket, kind="personal", title="张三", email="z@example.com")
    assert InvoiceRequest.objects.count() == 1


def test_a_repair_not_yet_done_cannot_be_paid_online(workshop, png, qc_user):
    from repairs.payments.services import payment_start

    order = build_paid_repair(workshop, png, qc_user, passed=False)
    with pytest.raises(InvalidTransition):
        payment_start(ticket=order.ticket, method="wechat_native")
    assert not Payment.objects.exists()
