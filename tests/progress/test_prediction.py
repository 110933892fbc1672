"""Expected completion time from the history of similar tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tickets.models import Ticket
from tickets.progress.selectors import completion_prediction, humanize_duration

pytestmark = pytest.mark.django_db


def _history(*, n, hours, center=None, fault=None):
    now = timezone.now()
    for i in range(n):
        t = factories.TicketFactory(fault_category=fault)
        created = now - dt.timedelta(days=10 + i)
        Ticket.objects.filter(pk=t.pk).update(
            status="resolved", service_center=center, created_at=created,
            resolved_at=created + dt.timedelta(hours=hours),
        )


def test_same_center_and_category_first(ticket, center):
    Ticket.objects.filter(pk=ticket.pk).update(service_center=center)
    ticket.refresh_from_db()
    other = factories.ServiceCenterFactory()
    _history(n=5, hours=10, center=center, fault=ticket.fault_category)
    _history(n=20, hours=50, center=other, fault=ticket.fault_category)
    p = completion_prediction(ticket=ticket)
    assert p.basis == "center_category"
    assert p.sample_size == 5
    assert p.median == dt.timedelta(hours=10)
    assert p.expected_at == ticket.created_at + dt.timedelta(hours=10)
    assert "上海浦东服务中心" in p.explanation
    assert "屏幕损坏" in p.explanation
    assert "10 小时" in p.explanation


def test_falls_back_to_category_then_global(ticket, center):
    other = factories.ServiceCenterFactory()
    _history(n=3, hours=10, center=center, fault=ticket.fault_category)
    Ticket.objects.filter(pk=ticket.pk).update(service_center=center)
    ticket.refresh_from_db()
    _history(n=3, hours=30, center=other, fault=ticket.fault_category)
    p = completion_prediction(ticket=ticket)
    assert p.basis == "category"
    assert p.sample_size == 6
    assert p.median == dt.timedelta(hours=20)
    assert "各网点" in p.explanation

    ticket2 = factories.TicketFactory(fault_category=factories.FaultCategoryFactory(code="battery", name="电池"))
    p2 = completion_prediction(ticket=ticket2)
    assert p2.basis == "global"
    assert p2.sample_size == 6
    assert "已完成工单" in p2.explanation


def test_no_history(ticket):
    p = completion_prediction(ticket=ticket)
    assert p.basis == "none"
    assert p.expected_at is None
    assert "暂无足够的历史数据" in p.explanation


def test_overdue_flag(ticket):
    _history(n=5, hours=1, fault=ticket.fault_category)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    ticket.refresh_from_db()
    assert completion_prediction(ticket=ticket).overdue is True


def test_humanize():
    assert humanize_duration(dt.timedelta(days=2, hours=3)) == "2 天 3 小时"
    assert humanize_duration(dt.timedelta(hours=5)) == "5 小时"
    assert humanize_duration(dt.timedelta(minutes=40)) == "40 分钟"
