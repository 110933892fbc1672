"""The technicians' app at the hand-back of a paid repair, in a real browser against the real daphne
server: the amount due is shown, the cash taken on site is recorded through the outbox, then the
customer's signature hands the device back. Screenshots go to test-artifacts/ (``app-pay-*.png``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from parts.models import Location
from repairs.dispatch.services import assignment_accept
from repairs.models import RepairOrder
from repairs.payments.models import Payment
from tests import factories
from tests.api.flow import setup_world
from tests.repairs.conftest import png_bytes
from tests.repairs.payments.conftest import QUOTE_TOTAL, build_paid_repair
from tickets.models import IdempotencyRecord, Ticket, TicketAssignment

from .conftest import screenshot
from .test_technician_app import _server, eventually, login, phone_context, sign, stage_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def paid_repair_ready() -> dict:
    """setup_world's on-site job, accepted, quoted at ¥779 outside the warranty, approved, repaired
    and through QC: the device waits to be handed back against its money."""
    world = setup_world()
    tech, ticket = world["tech"], world["ticket"]
    assignment = TicketAssignment.objects.filter(ticket=ticket, technician=tech).order_by("-created_at").first()
    assignment_accept(assignment=assignment, by=tech.user)
    part = factories.PartFactory(name="屏幕总成", retail_price=Decimal("699.00"))
    for location in Location.objects.filter(center=tech.center):
        factories.StockLevelFactory(part=part, location=location, on_hand=3)
    order = build_paid_repair({"technician": tech, "ticket": ticket, "part": part}, png_bytes, world["inspector"].user)
    assert order.status == RepairOrder.Status.PASSED
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.READY
    return world


def test_a_paid_repair_is_handed_back_after_the_cash_is_recorded_in_the_app(browser):
    world = paid_repair_ready()
    tech, ticket = world["tech"], world["ticket"]
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, tech.user.username)
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible(timeout=15000)
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待交机")
        page.get_by_role("link", name="交机，客户签字").tap()

        # the money first: the amount due, and no signature yet
        pay = page.locator("#pay")
        expect(pay).to_contain_text("应收 ¥779.00", timeout=15000)
        expect(pay).to_contain_text("维修进度页在线支付")
        expect(page.locator("#sign")).to_be_hidden()
        screenshot(page, "app-pay-1-due")

        # a transfer needs its reference: refused on the phone, nothing queued
        page.get_by_role("radio", name="转账").check()
        page.get_by_role("button", name="已收到 ¥779.00").tap()
        expect(page.locator("#toast")).to_contain_text("请填写转账流水号")
        assert not Payment.objects.filter(ticket=ticket).exists()

        page.get_by_role("radio", name="现金").check()
        page.get_by_role("button", name="已收到 ¥779.00").tap()
        expect(page.locator("#paid")).to_have_text("已收款 ¥779.00 · 现金", timeout=15000)
        expect(page.locator("#pay")).to_have_count(0)
        eventually(lambda: Payment.objects.filter(ticket=ticket, status=Payment.Status.PAID).exists())
        sign(page)
        screenshot(page, "app-pay-2-received")

        page.get_by_role("button", name="确认签字").tap()
        expect(page.locator("#banner")).to_be_hidden(timeout=20000)
        stage_is(page, "已完成")
        eventually(lambda: Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED)
        screenshot(page, "app-pay-3-done")
        assert errors == []
        context.close()

    payments = list(Payment.objects.filter(ticket=ticket))
    assert len(payments) == 1
    assert payments[0].method == Payment.Method.CASH
    assert payments[0].amount == QUOTE_TOTAL
    assert payments[0].recorded_by_id == tech.user.pk
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    # sent through the outbox, with its Idempotency-Key
    assert IdempotencyRecord.objects.filter(path__endswith=f"/jobs/{ticket.pk}/payment/record/").count() == 1


def test_offline_the_cash_is_queued_from_the_cached_payment_and_sent_once(browser):
    world = paid_repair_ready()
    tech, ticket = world["tech"], world["ticket"]
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        login(page, base, tech.user.username)
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible(timeout=15000)
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待交机")
        # the job (with its payment) was fetched while online; the basement has no signal
        context.set_offline(True)
        page.get_by_role("link", name="交机，客户签字").tap()
        expect(page.locator("#pay")).to_contain_text("应收 ¥779.00", timeout=15000)
        page.get_by_role("button", name="已收到 ¥779.00").tap()
        expect(page.locator("#paid")).to_have_text("已收款 ¥779.00 · 现金", timeout=15000)
        sign(page)
        page.get_by_role("button", name="确认签字").tap()
        stage_is(page, "已完成")
        screenshot(page, "app-pay-4-offline-queued")
        assert not Payment.objects.filter(ticket=ticket).exists()
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        eventually(lambda: Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED, timeout=30)
        expect(page.locator("#banner")).to_be_hidden(timeout=20000)
        context.close()
    payments = list(Payment.objects.filter(ticket=ticket))
    assert [(p.method, p.amount) for p in payments] == [(Payment.Method.CASH, QUOTE_TOTAL)]


#: Counts each hand-back payment form drawn into the view (a redraw replaces the one being tapped).
COUNT_PAY_FORMS = """
window.payForms = 0;
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const node of change.addedNodes) if (node.id === "pay") window.payForms += 1;
  }
}).observe(document.getElementById("view"), { childList: true });
"""

#: The list redraw a burst of synced data arms on the job page, with the tap on the hand-back link
#: right behind it (the app's own event bus: the module is the one the app imported).
SYNC_THEN_TAP = """
async (hash) => {
  const outbox = await import(new URL("./outbox.js", document.getElementById("app-script").src).href);
  outbox.bus.dispatchEvent(new CustomEvent("jobs"));
  location.hash = hash;
}
"""


def test_the_hand_back_form_is_drawn_once_and_only_while_it_is_the_screen(browser):
    world = paid_repair_ready()
    tech, ticket = world["tech"], world["ticket"]
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, tech.user.username)
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible(timeout=15000)
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待交机")

        # A weak signal: the hand-back waits for what is due, and the technician goes back to the list
        # meanwhile. The hand-back, drawn late, must not replace the list they are now looking at.
        held = []
        page.route(f"**/api/v1/jobs/{ticket.pk}/payment/", lambda route: held.append(route))
        page.get_by_role("link", name="交机，客户签字").tap()
        page.get_by_role("link", name="今日工单").tap()
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible(timeout=15000)
        page.wait_for_timeout(5000)  # the hand-back stops waiting for the network after 4 s and draws
        assert page.locator("#pay").count() == 0
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible()
        assert held  # the answer only comes now (and with it, the list's own redraw)
        for route in held:
            route.continue_()
        page.unroute(f"**/api/v1/jobs/{ticket.pk}/payment/")

        # Synced data arms a redraw of the job page just before the tap that opens the hand-back: the
        # form the technician is about to fill in is drawn once, not again under their finger.
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待交机")
        page.evaluate(COUNT_PAY_FORMS)
        page.evaluate(SYNC_THEN_TAP, f"#/job/{ticket.pk}/sign/handback")
        expect(page.locator("#pay")).to_contain_text("应收 ¥779.00", timeout=15000)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.payForms") == 1
        page.get_by_role("button", name="已收到 ¥779.00").tap()
        expect(page.locator("#paid")).to_have_text("已收款 ¥779.00 · 现金", timeout=15000)
        assert errors == []
        context.close()
