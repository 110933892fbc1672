"""The back office home: each role lands on its work, scoped by policy, at a constant query cost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("fixture", "expected"), [
    ("agent", ["新工单（待受理）", "等待客户回复", "待回访"]),
    ("dispatcher", ["待派工（按响应时限排序）", "在岗工程师负载与位置", "SLA 风险"]),
    ("manager", ["今日与本周", "SLA 风险", "缺货预警", "待回访", "质检队列", "报表分析"]),
    ("qc_user", ["质检队列"]),
    ("warehouse_user", ["缺货预警", "在途与待处理调拨", "生效中的备件预留"]),
    ("ops_user", ["数据质量", "批量导入", "报表分析"]),
])
def test_each_role_lands_on_its_work(request, client, fixture, expected):
    client.force_login(request.getfixturevalue(fixture))
    page = client.get(reverse("admin:index")).content.decode()
    for title in expected:
        assert title in page, title


def test_agent_sees_new_tickets_not_the_dispatch_queue(client, agent):
    ticket = factories.TicketFactory()
    client.force_login(agent)
    page = client.get(reverse("admin:index")).content.decode()
    assert ticket.number in page
    assert "待派工" not in page


def test_navigation_is_grouped_by_task(client, agent):
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert "受理与客服" in page
    assert "app-task-receive" in page


def test_every_screen_of_our_own_apps_sits_in_a_task_group():
    """A screen left out of the task map would fall to the bottom under its code app's name
    (“工单”, “维修”), where nobody looks for it."""
    from django.contrib import admin

    from config.admin_site import TASK_GROUPS

    named = {label for _key, _name, labels in TASK_GROUPS for label in labels}
    ours = {"tickets", "repairs", "parts", "surveys", "knowledge", "payments", "logistics"}
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert sorted(label for label in registered if label.split(".")[0] in ours and label not in named) == []
    assert sorted(named - registered) == []


def test_superuser_switches_roles_with_tabs(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:index"), {"role": "仓管"}).content.decode()
    assert "在途与待处理调拨" in page
    assert "新工单（待受理）" not in page


def test_manager_home_is_scoped_to_their_centres(client, manager):
    mine, other = factories.ServiceCenterFactory(), factories.ServiceCenterFactory()
    mine.managers.add(manager)
    tech_mine = factories.TechnicianFactory(center=mine, name="本店工程师")
    factories.TechnicianFactory(center=other, name="别店工程师")
    client.force_login(manager)
    page = client.get(reverse("admin:index")).content.decode()
    assert tech_mine.name in page
    assert "别店工程师" not in page


@pytest.mark.parametrize("fixture", ["agent", "dispatcher", "manager", "qc_user", "warehouse_user", "ops_user"])
def test_home_costs_the_same_queries_whatever_the_rows(request, client, fixture, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = request.getfixturevalue(fixture)
    client.force_login(user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:index"))
    centre = factories.ServiceCenterFactory()
    for _ in range(12):
        factories.TicketFactory()
        factories.TechnicianFactory(center=centre)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("admin:index"))


def test_agent_sees_no_import_button_on_tickets(client, agent, ops_user):
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert reverse("admin:tickets_ticket_import") not in page
    assert client.get(reverse("admin:tickets_ticket_import")).status_code == 403


def test_ticket_page_shows_the_warranty_verdict_as_a_card(client, agent):
    from tickets.models import Ticket

    ticket = factories.TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(warranty_preview={
        "preview": True, "in_warranty": True, "summary": "在三包有效期内：可免费维修", "remedy_labels": ["免费维修"],
        "cost_bearer_label": "厂家", "reasons": []})
    client.force_login(agent)
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert 'id="warranty-card"' in page
    assert "免费维修" in page
    assert "&quot;in_warranty&quot;" not in page
    assert '"in_warranty"' not in page


def test_dispatcher_sees_how_long_ago_and_how_far_out_each_technician_was_last_seen(client, dispatcher):
    from decimal import Decimal

    from django.utils import timezone

    centre = factories.ServiceCenterFactory(latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))
    # about 11.1 km due north of the centre (0.1° of latitude), twelve minutes ago
    factories.TechnicianFactory(center=centre, name="外勤工程师", on_duty=True, last_latitude=Decimal("31.330400"),
                                last_longitude=Decimal("121.473700"),
                                last_seen_at=timezone.now() - timezone.timedelta(minutes=12))
    factories.TechnicianFactory(center=centre, name="未定位工程师", on_duty=True)
    client.force_login(dispatcher)
    page = client.get(reverse("admin:index")).content.decode()
    assert "12 分钟前 · 距网点 11.1 km" in page
    assert "未定位工程师" in page


def test_ops_sees_their_recent_imports_with_the_rows_refused(client, ops_user, superuser):
    from tickets.models import DataJob

    DataJob.objects.create(kind=DataJob.Kind.IMPORT, target="tickets.device", status=DataJob.Status.VALIDATED,
                           original_name="三月设备.xlsx", total=120, processed=120, created_by=ops_user,
                           report={"check": {"failed": 7, "valid": 113}})
    DataJob.objects.create(kind=DataJob.Kind.EXPORT, target="tickets.ticket", status=DataJob.Status.DONE,
                           original_name="别人的导出.csv", created_by=superuser)
    client.force_login(ops_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "最近导入导出" in page
    for text in ("三月设备.xlsx", "待确认", "120/120", "<td>7</td>"):
        assert text in page, text
    assert "别人的导出.csv" not in page  # another person's job is theirs to follow
