"""Customer milestones: one message per milestone and channel, in order, one SMS segment with a short
link that stands apart, and only words written for the customer."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction

from tests import factories
from tickets.milestones import Milestone
from tickets.models import OutboxMessage, ShortLink, Ticket
from tickets.outbox.services import outbox_collect_events
from tickets.services import ticket_cancel, ticket_event_add

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+")


def _sms(ticket: Ticket) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(ticket=ticket, channel="sms").order_by("pk"))


def _link_stands_apart(body: str) -> None:
    links = LINK.findall(body)
    assert len(links) == 1, body
    link = links[0]
    start = body.index(link)
    assert body[start - 1] == " ", body  # a space before
    assert body.endswith(link), body  # and nothing glued after it
    assert "/l/" in link


def test_each_milestone_is_sent_once_per_channel_whatever_repeats():
    customer = factories.CustomerFactory(email="c@example.com")
    ticket = factories.TicketFactory(customer=customer)
    outbox_collect_events(ticket_id=ticket.pk)
    ticket_event_add(ticket=ticket, kind="ticket.quality_check", to_state="quality_check")
    ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True, to_state="qc")
    ticket_event_add(ticket=ticket, kind="ticket.quality_check", to_state="quality_check")  # rework, again
    ticket_event_add(ticket=ticket, kind="ticket.ready", from_state="quality_check", to_state="ready")
    ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True, to_state="passed")
    ticket_event_add(ticket=ticket, kind="ticket.resolved", from_state="ready", to_state="resolved")
    outbox_collect_events(ticket_id=ticket.pk)
    outbox_collect_events(ticket_id=ticket.pk)  # a retry or the sweep: nothing new
    outbox_collect_events()
    rows = list(OutboxMessage.objects.filter(ticket=ticket).values_list("milestone", "channel"))
    assert sorted(rows) == sorted([(m, c) for m in ("received", "repaired", "returned") for c in ("sms", "email")])
    assert "质检通过" not in "".join(m.body for m in _sms(ticket)[1:2])  # "维修完成" is said once


def test_the_database_refuses_a_second_message_of_one_milestone():
    ticket = factories.TicketFactory()
    outbox_collect_events(ticket_id=ticket.pk)
    first = OutboxMessage.objects.get(ticket=ticket, milestone="received")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(idempotency_key="other-key", event=first.event, channel="sms", ticket=ticket,
                                     milestone="received", to_address=first.to_address, body="again")


def test_arrival_is_never_announced_before_or_without_departure():
    tech = factories.TechnicianFactory(name="王师傅")
    ticket = factories.TicketFactory(service_mode="on_site")
    Ticket.objects.filter(pk=ticket.pk).update(technician=tech)
    ticket_event_add(ticket=ticket, kind="visit.checked_in", message="工程师已到达")
    ticket_event_add(ticket=ticket, kind="visit.departed", message="工程师已出发")
    outbox_collect_events(ticket_id=ticket.pk)
    bodies = [m.body for m in _sms(ticket)]
    assert not any("到达" in b for b in bodies)
    assert [m.milestone for m in _sms(ticket)] == ["received", "on_the_way"]
    assert "王师傅已出发" in bodies[1]


def test_a_stale_milestone_is_not_sent_after_a_later_one():
    ticket = factories.TicketFactory(service_mode="on_site")
    ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True, to_state="quoting",
                     payload={"in_warranty": False})
    outbox_collect_events(ticket_id=ticket.pk)
    ticket_event_add(ticket=ticket, kind="visit.departed", message="工程师已出发")  # late, out of order
    outbox_collect_events(ticket_id=ticket.pk)
    assert [m.milestone for m in _sms(ticket)] == ["received", "diagnosed"]


@pytest.mark.parametrize("site_url", ["http://127.0.0.1:8000", "https://service.example-brand.com.cn"])
def test_every_milestone_sms_fits_one_segment_with_a_link_apart(settings, site_url):
    settings.SITE_URL = site_url
    center = factories.ServiceCenterFactory(name="上海市徐汇区漕河泾开发区旗舰维修服务中心")
    tech = factories.TechnicianFactory(name="欧阳明月", center=center)
    for mode in ("on_site", "walk_in", "mail_in"):
        ticket = factories.TicketFactory(service_mode=mode)
        Ticket.objects.filter(pk=ticket.pk).update(technician=tech, service_center=center)
        ticket_event_add(ticket=ticket, kind="ticket.assigned", to_state="assigned",
                         payload={"appointment": "11月27日 14:00-16:00"})
        ticket_event_add(ticket=ticket, kind="visit.departed", payload={"eta": "15:30"})
        ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True, to_state="quoting",
                         payload={"in_warranty": False, "fault_label": "屏幕碎裂、显示异常及触摸失灵"})
        ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True,
                         to_state="awaiting_approval", payload={"total": "12417.68"})
        ticket_event_add(ticket=ticket, kind="ticket.quality_check", to_state="quality_check")
        ticket_event_add(ticket=ticket, kind="ticket.ready", from_state="quality_check", to_state="ready")
        ticket_event_add(ticket=ticket, kind="survey.sent", payload={"days": 14, "survey_path": "/s/abc:def/"})
        outbox_collect_events(ticket_id=ticket.pk)
        messages = _sms(ticket)
        assert [m.milestone for m in messages] == [
            "received", "assigned", "on_the_way", "diagnosed", "quote", "repaired", "returned", "survey"]
        for message in messages:
            assert len(message.body) <= 70, (len(message.body), message.body)
            _link_stands_apart(message.body)
        returned = messages[6].body
        if mode == "on_site":
            assert "取机" not in returned
        elif mode == "walk_in":
            assert "取机" in returned
        else:
            assert "寄回" in returned


def test_short_links_redirect_to_the_page_and_cannot_be_guessed(client):
    ticket = factories.TicketFactory()
    outbox_collect_events(ticket_id=ticket.pk)
    link = LINK.findall(_sms(ticket)[0].body)[0]
    code = link.rsplit("/", 1)[1]
    assert len(code) >= 10
    response = client.get(f"/l/{code}")
    assert response.status_code == 302
    assert response["Location"] == ticket.get_tracking_url()
    assert client.get("/l/AAAAAAAAAA").status_code == 404
    assert ShortLink.objects.count() == 1  # one code per page, reused by every message


def test_the_internal_cancel_reason_never_reaches_the_customer(client):
    ticket = factories.TicketFactory()
    ticket_cancel(ticket=ticket, by=None, reason="客户太难缠，内部决定不修", customer_message="应您的要求已取消")
    outbox_collect_events(ticket_id=ticket.pk)
    cancelled = OutboxMessage.objects.get(ticket=ticket, channel="sms", milestone=Milestone.CANCELLED)
    assert "难缠" not in cancelled.body
    assert "应您的要求已取消" in cancelled.body
    page = client.get(ticket.get_tracking_url()).content.decode()
    assert "难缠" not in page
    assert "应您的要求已取消" in page


def test_the_close_reason_typed_in_the_admin_stays_internal(client, agent):
    from django.urls import reverse

    from tickets.services import ticket_transition

    ticket = factories.TicketFactory(fault_category=factories.FaultCategoryFactory())
    for name in ("triage",):
        ticket_transition(ticket=ticket, transition=name, by=None)
    client.force_login(agent)
    form = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "仅员工可见" in form
    assert "客户可见" in form
    client.post(reverse("admin:tickets_ticket_act", args=[ticket.pk]),
                {"_transition": "cancel", "_reason": "重复工单，内部关闭"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    client.logout()
    outbox_collect_events(ticket_id=ticket.pk)
    assert not any("内部关闭" in m.body for m in OutboxMessage.objects.filter(ticket=ticket))
    assert "内部关闭" not in client.get(ticket.get_tracking_url()).content.decode()


def test_wechat_template_messages_carry_the_same_milestones():
    customer = factories.CustomerFactory(wechat_openid="o-wx-123")
    ticket = factories.TicketFactory(customer=customer, service_mode="walk_in")
    ticket_event_add(ticket=ticket, kind="ticket.ready", from_state="quality_check", to_state="ready")
    outbox_collect_events(ticket_id=ticket.pk)
    wechat = {m.milestone: m for m in OutboxMessage.objects.filter(ticket=ticket, channel="wechat")}
    sms = {m.milestone: m for m in OutboxMessage.objects.filter(ticket=ticket, channel="sms")}
    assert set(wechat) == set(sms) == {"received", "returned"}
    assert wechat["returned"].event == "milestone.returned"
    assert "取机" in wechat["returned"].body


def test_braces_typed_by_staff_are_sent_as_typed():
    ticket = factories.TicketFactory()
    ticket_cancel(ticket=ticket, by=None, reason="内部", customer_message="按您要求{已取消}")
    outbox_collect_events(ticket_id=ticket.pk)
    cancelled = OutboxMessage.objects.get(ticket=ticket, channel="sms", milestone=Milestone.CANCELLED)
    assert "{已取消}" in cancelled.body
    _link_stands_apart(cancelled.body)


def test_one_ticket_that_cannot_be_collected_never_stops_the_sweep(monkeypatch):
    from tickets import milestones
    from tickets.outbox.services import outbox_sweep

    bad, good = factories.TicketFactory(), factories.TicketFactory()
    # their messages are normally written with the change itself; the sweep exists for events whose
    # messages are missing, so start from that state
    OutboxMessage.objects.filter(ticket__in=[bad, good]).delete()
    real = milestones.text_for

    def text_for(milestone, *, ticket, event):
        if ticket.pk == bad.pk:
            raise KeyError("boom")
        return real(milestone, ticket=ticket, event=event)

    monkeypatch.setattr(milestones, "text_for", text_for)
    result = outbox_sweep()
    assert result["collected"] >= 1
    assert _sms(good)
    assert not _sms(bad)
    assert all(m.status == "sent" for m in _sms(good))
    monkeypatch.setattr(milestones, "text_for", real)
    outbox_sweep()  # the skipped ticket is collected once it can be
    assert _sms(bad)


def test_a_new_engineer_is_told_once_per_assignment():
    """A reassignment tells the customer the new engineer, once; the same engineer again tells nothing."""
    from tickets.services import ticket_assign

    ticket = factories.TicketFactory()
    first, second = factories.TechnicianFactory(name="李工"), factories.TechnicianFactory(name="王工")
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.TRIAGED)
    ticket.refresh_from_db()
    ticket_assign(ticket=ticket, technician=first, by=None)
    outbox_collect_events(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    ticket_assign(ticket=ticket, technician=second, by=None)
    ticket.refresh_from_db()
    outbox_collect_events(ticket_id=ticket.pk)
    outbox_collect_events()  # the sweep: nothing new
    codes = [m.milestone for m in _sms(ticket)]
    assert codes == ["received", "assigned", f"assigned.t{second.pk}"]
    told = _sms(ticket)[-1].body
    assert "王工" in told
    assert len(told) <= 70
    _link_stands_apart(told)


def test_each_quote_version_needing_approval_is_told_once():
    """A second version of the quote asks for approval again: a new occurrence of "quote to approve",
    keyed by the version, each told exactly once, one segment with its short link."""
    ticket = factories.TicketFactory()
    for version, total in ((1, "110.00"), (2, "260.00"), (2, "260.00")):
        ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True,
                         to_state="awaiting_approval", payload={"version": version, "total": total})
        outbox_collect_events(ticket_id=ticket.pk)
    sms = [m for m in _sms(ticket) if m.milestone.startswith("quote")]
    assert [m.milestone for m in sms] == ["quote", "quote.v2"]
    assert "260.00" in sms[1].body
    assert "重新确认" in sms[1].body
    assert all(len(m.body) <= 70 for m in sms)
    _link_stands_apart(sms[1].body)


def test_a_free_repair_asks_to_confirm_the_repair_not_a_price_of_nothing():
    """Under 三包 the quote totals ¥0.00: the customer is asked to confirm the free repair, never
    "维修报价¥0.00，请确认", and a new version says it is still free."""
    ticket = factories.TicketFactory()
    for version in (1, 2):
        ticket_event_add(ticket=ticket, kind="repair.status_changed", customer_visible=True,
                         to_state="awaiting_approval", payload={"version": version, "total": "0.00"})
        outbox_collect_events(ticket_id=ticket.pk)
    sms = [m for m in _sms(ticket) if m.milestone.startswith("quote")]
    assert [m.milestone for m in sms] == ["quote", "quote.v2"]
    assert all("¥" not in m.body and "免费" in m.body for m in sms), [m.body for m in sms]
    assert all(len(m.body) <= 70 for m in sms)
    _link_stands_apart(sms[0].body)
