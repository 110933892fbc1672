"""Electronic invoice requests: validation of the tax number, one pending request, finance admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

import tickets.progress.admin  # noqa: F401  (registered by tickets/admin.py too)
from tickets.exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from tickets.models import InvoiceRequest, TicketEvent
from tickets.progress.services import invoice_request_issue, invoice_request_reject, invoice_request_submit
from tickets.progress.tax import normalize_uscc, uscc_check_char

from .helpers import advance

pytestmark = pytest.mark.django_db

VALID_USCC = "91350100M000100Y43"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", " 9111 0000 8021 0043 3b "])
def test_valid_codes(code):
    assert normalize_uscc(code) == "".join(code.split()).upper()


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "18 位"),
    ("91350100M000100Y44", "校验位"),
    ("91350100M000100YI3", "不含 I"),
    ("", "18 位"),
])
def test_invalid_codes(code, reason):
    with pytest.raises(ValidationError) as exc:
        normalize_uscc(code)
    assert reason in exc.value.messages[0]


def test_check_char_is_zero_when_sum_is_a_multiple():
    # a body whose weighted sum is divisible by 31 gets "0", not the 32nd character
    body = "00000000000000000"
    assert uscc_check_char(body) == "0"


@pytest.fixture
def done_ticket(ticket, tech):
    return advance(ticket, "triage", "assign", "start", "resolve", technician=tech)


def test_submit_company_request_and_replace_pending(done_ticket):
    first = invoice_request_submit(ticket=done_ticket, kind="company", title="上海某某科技有限公司",
                                   tax_number="91350100m000100y43", email="fin@example.com", ip="10.1.1.1")
    assert first.tax_number == VALID_USCC
    assert first.status == "pending"
    second = invoice_request_submit(ticket=done_ticket, kind="personal", title="王小明", tax_number="ignored",
                                    email="wang@example.com")
    assert second.pk == first.pk
    assert second.kind == "personal"
    assert second.tax_number == ""
    assert InvoiceRequest.objects.filter(ticket=done_ticket).count() == 1
    event = TicketEvent.objects.filter(ticket=done_ticket, kind="invoice.requested").last()
    assert event.customer_visible
    assert "w***@example.com" in event.message


def test_bad_input_changes_nothing(done_ticket):
    with pytest.raises(ValidationFailed) as exc:
        invoice_request_submit(ticket=done_ticket, kind="company", title="", tax_number="123", email="nope")
    assert set(exc.value.extra["fields"]) == {"title", "tax_number", "email"}
    assert not InvoiceRequest.objects.exists()


def test_not_before_the_work_is_done(ticket):
    with pytest.raises(InvalidTransition):
        invoice_request_submit(ticket=ticket, kind="personal", title="王小明", email="wang@example.com")


def test_finance_issues_and_rejects(done_ticket, agent):
    req = invoice_request_submit(ticket=done_ticket, kind="personal", title="王小明", email="wang@example.com")
    with pytest.raises(PermissionDeniedError):
        invoice_request_issue(invoice_request=req, by=agent, invoice_number="24310000000012345678")
    agent.user_permissions.add(Permission.objects.get(codename="change_invoicerequest"))
    agent = type(agent).objects.get(pk=agent.pk)
    issued = invoice_request_issue(invoice_request=req, by=agent, invoice_number="24310000000012345678")
    assert issued.status == "issued"
    assert issued.processed_at
    with pytest.raises(InvalidTransition):
        invoice_request_reject(invoice_request=req, by=agent, note="抬头有误")
    again = invoice_request_submit(ticket=done_ticket, kind="personal", title="王小明", email="wang@example.com")
    rejected = invoice_request_reject(invoice_request=again, by=agent, note="抬头有误")
    assert rejected.status == "rejected"
    kinds = list(TicketEvent.objects.filter(ticket=done_ticket, kind__startswith="invoice.")
                 .values_list("kind", flat=True))
    assert kinds == ["invoice.requested", "invoice.issued", "invoice.requested", "invoice.rejected"]


def test_invoice_page_flow(client, done_ticket):
    url = f"/t/{done_ticket.tracking_token}/invoice/"
    assert "申请电子发票" in client.get(url).content.decode()
    bad = client.post(url, {"kind": "company", "title": "某公司", "tax_number": "91350100M000100Y44",
                            "email": "a@example.com"})
    assert bad.status_code == 400
    assert "校验位不正确" in bad.content.decode()
    ok = client.post(url, {"kind": "company", "title": "某公司", "tax_number": VALID_USCC, "email": "a@example.com"})
    assert ok.status_code == 302
    assert ok["Location"] == f"/t/{done_ticket.tracking_token}/"
    page = client.get(ok["Location"]).content.decode()
    assert "发票申请已提交" in page
    assert "待开票" in page


def test_admin_changelist_and_processing(client, done_ticket, superuser):
    req = invoice_request_submit(ticket=done_ticket, kind="personal", title="王小明", email="wang@example.com")
    client.force_login(superuser)
    response = client.get("/admin/tickets/invoicerequest/")
    assert response.status_code == 200
    assert "王小明" in response.content.decode()
    response = client.post(f"/admin/tickets/invoicerequest/{req.pk}/change/",
                           {"invoice_number": "24310000000099999999", "note": ""})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "issued"
    assert req.invoice_number == "24310000000099999999"
