"""The back office in a real browser at 1366×768: each role's home, the ticket list and every analytics page.

Screenshots go to test-artifacts/backoffice-*.png.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from tests import factories
from tests.e2e.conftest import screenshot
from tests.live import live_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = {"agent": "客服", "dispatcher": "调度", "manager": "网点经理", "qc": "质检", "warehouse": "仓管", "ops": "运营",
         "quality": "产品质量"}
PAGES = ["faults", "waits", "technicians", "satisfaction", "heatmap", "parts", "spikes"]


def _data():
    """Two centres, six technicians, 60 tickets over four weeks in every state, answers, check-ins, parts."""
    from parts.models import LowStockAlert, StockMovement
    from repairs.models import RepairVisit
    from surveys.models import Invitation, Response, Survey
    from tickets.analytics.tasks import analytics_refresh
    from tickets.models import Ticket, TicketAssignment

    rng = random.Random(17)
    users = {}
    for username, role in ROLES.items():
        user = factories.UserFactory(username=username, is_staff=True, first_name=role)
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    centres = [factories.ServiceCenterFactory(name="上海浦东服务中心", region="east"),
               factories.ServiceCenterFactory(name="北京海淀服务中心", region="north", province="北京市", city="北京市")]
    centres[0].managers.add(users["manager"])
    techs = [factories.TechnicianFactory(center=centres[i % 2], name=n, skills=["screen", "battery", "mainboard"])
             for i, n in enumerate(["李建华", "王海涛", "张伟", "刘洋", "陈晨", "赵磊"])]
    for k, tech in enumerate(techs[:4]):  # four out in the field, two not yet located today
        tech.last_latitude = tech.center.latitude + (k + 1) * Decimal("0.02")
        tech.last_longitude = tech.center.longitude
        tech.last_seen_at = timezone.now() - dt.timedelta(minutes=7 * (k + 1))
        tech.save(update_fields=["last_latitude", "last_longitude", "last_seen_at"])
    models = [factories.ProductModelFactory(brand="华为", name=n) for n in ("Mate 60 Pro", "P70", "nova 12")]
    # each report's fault is the one its title describes, so the screenshots read like a real queue
    faults = [factories.FaultCategoryFactory(code=c, name=n) for c, n in
              (("screen-x", "屏幕损坏"), ("battery-x", "电池续航"), ("charge-x", "无法充电"), ("camera-x", "摄像头"),
               ("boot-x", "无法开机"))]
    survey = Survey.objects.create(name="默认问卷")
    part = factories.PartFactory(sku="SCR-M60", name="Mate 60 屏幕总成")
    loc = factories.LocationFactory(center=centres[0], name="浦东网点仓")
    now = timezone.now()
    states = ["new", "triaged", "assigned", "in_progress", "waiting_customer", "quality_check", "resolved", "closed"]
    titles = ["屏幕碎裂无法触控", "电池鼓包续航短", "充电口接触不良", "后摄对焦失败", "开机卡在标志界面"]
    for i in range(60):
        centre = centres[i % 2]
        tech = techs[i % 6]
        created = now - dt.timedelta(days=rng.randint(0, 27), hours=rng.randint(0, 10))
        status = states[i % len(states)]
        t = factories.TicketFactory(title=titles[i % 5], description=titles[i % 5] + "，请尽快处理")
        fields = {"service_center": centre, "technician": tech if status != "new" else None, "status": status,
                  "product_model": models[i % 3], "fault_category": faults[i % 5], "created_at": created,
                  "first_response_at": created + dt.timedelta(minutes=rng.randint(5, 240)),
                  "due_response_at": created + dt.timedelta(hours=2),
                  "due_resolution_at": created + dt.timedelta(hours=rng.choice([-30, 2, 24, 48]) + 40 * 24 * 0)}
        if status in ("resolved", "closed"):
            fields["resolved_at"] = created + dt.timedelta(hours=rng.randint(3, 60))
        Ticket.objects.filter(pk=t.pk).update(**fields)
        if status in ("assigned", "in_progress", "waiting_customer"):
            TicketAssignment.objects.create(ticket=t, technician=tech, status=TicketAssignment.Status.ACCEPTED)
        if status != "new":
            RepairVisit.objects.create(ticket=t, technician=tech,
                                       checked_in_at=created + dt.timedelta(minutes=rng.randint(30, 300)))
        if status in ("resolved", "closed"):
            inv = Invitation.objects.create(ticket=t, survey=survey, expires_at=now + dt.timedelta(days=7))
            complaint = i % 5 == 0
            r = Response.objects.create(invitation=inv, ticket=t, center=centre, technician=tech,
                                        fault_category_id=fields["fault_category"].pk, product_model=models[i % 3],
                                        speed=2 if complaint else 5, attitude=3 if complaint else 4,
                                        result=2 if complaint else 5, nps=3 if complaint else 9,
                                        is_complaint=complaint)
            answered = fields["resolved_at"] + dt.timedelta(hours=2)
            Response.objects.filter(pk=r.pk).update(created_at=min(answered, now))
    for d in range(10):
        mv = StockMovement.objects.create(part=part, location=loc, kind="consume", on_hand_delta=-1 - d % 3)
        StockMovement.objects.filter(pk=mv.pk).update(created_at=now - dt.timedelta(days=d * 2))
    LowStockAlert.objects.create(part=part, location=loc, day=timezone.localdate(), available=0, reorder_point=5,
                                 suggested_order_qty=10)
    analytics_refresh(backfill_days=40)
    return users


def _login(browser, base, username):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return context, page


def _fits(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] + box["width"] <= 1366


def test_each_role_home_and_every_report_at_1366(browser):
    _data()
    with live_server() as base:
        for username, role in ROLES.items():
            context, page = _login(browser, base, username)
            assert page.locator(".bo-panel").count() >= 1, role
            screenshot(page, f"backoffice-home-{username}")
            context.close()

        for username in ("agent", "dispatcher"):
            context, page = _login(browser, base, username)
            page.goto(f"{base}/admin/tickets/ticket/")
            # the admin's task navigation is open beside the list
            assert page.locator(".main.shifted #nav-sidebar").is_visible()
            screenshot(page, f"backoffice-tickets-{username}")
            # no column pushed off-screen and no horizontal scroll, at the page or inside the table
            widths = page.evaluate("""() => ({scroll: document.scrollingElement.scrollWidth,
                                              client: document.scrollingElement.clientWidth,
                                              results: document.querySelector('.results').scrollWidth
                                                       - document.querySelector('.results').clientWidth,
                                              right: document.querySelector('#result_list')
                                                     .getBoundingClientRect().right})""")
            assert widths["scroll"] <= widths["client"], widths
            assert widths["results"] <= 0, widths
            assert widths["right"] <= widths["client"], widths
            assert _fits(page, "#result_list th:last-child")
            # a badge, a title and every other cell stay on one line (no character-per-line columns)
            heights = page.evaluate("""() => [...document.querySelectorAll('#result_list tbody tr')]
                                       .map(tr => tr.getBoundingClientRect().height)""")
            assert max(heights) < 40, heights
            # a status badge is shown whole, never cut by its column
            clipped = page.evaluate("""() => [...document.querySelectorAll('#result_list td.field-status_badge')]
                .filter(td => td.firstElementChild.getBoundingClientRect().right
                              > td.getBoundingClientRect().right).map(td => td.innerText)""")
            assert clipped == []
            for cell in ("status_badge", "title_short", "sla_left"):
                assert page.locator(f"#result_list td.field-{cell}").first.bounding_box()["width"] > 60, cell
            assert page.locator("a.import_link").count() == 0
            context.close()

        # the dispatch screen of a ticket waiting for a technician, as the dispatcher reads it
        from tickets.models import Ticket

        waiting = Ticket.objects.filter(status="triaged").order_by("pk").first()
        context, page = _login(browser, base, "dispatcher")
        page.goto(f"{base}/admin/tickets/dispatchqueueticket/{waiting.pk}/pick/")
        assert page.locator("tr.tech-row").count() == 6
        assert "? km" not in page.content()
        assert _fits(page, "table.bo-dispatch-table")
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
        screenshot(page, "backoffice-dispatch-screen")
        context.close()

        context, page = _login(browser, base, "manager")
        for key in PAGES:
            page.goto(f"{base}/admin/analytics/{key}/")
            assert page.locator("#content-main").count() == 1
            assert _fits(page, "#content-main"), key
            # every figure column of every table is in view, none behind a horizontal scroll
            hidden = page.evaluate("""() => [...document.querySelectorAll('.bo-report-table .bo-scroll')]
                .filter(el => el.scrollWidth > el.clientWidth).map(el => el.querySelector('table').id)""")
            assert hidden == [], (key, hidden)
            screenshot(page, f"backoffice-report-{key}")
        context.close()

        # A centre with a long name: the panels of the manager's and the operations' homes keep every
        # column in view, a table of more than four columns takes the whole width so that titles and
        # names stay readable, and a name cut short ends in an ellipsis with its tooltip saying it whole.
        from repairs.models import ServiceCenter

        long_name = "上海市浦东新区张江高科技园区华为授权服务中心（旗舰店）"
        ServiceCenter.objects.filter(name="上海浦东服务中心").update(name=long_name)
        for username in ("manager", "ops"):
            context, page = _login(browser, base, username)
            overflowing = page.evaluate("""() => [...document.querySelectorAll('.bo-panel')]
                .filter(p => p.scrollWidth > p.clientWidth).map(p => p.querySelector('h2').innerText)""")
            assert overflowing == [], (username, overflowing)
            cut = page.evaluate("""() => [...document.querySelectorAll('.bo-panel td.bo-text')]
                .filter(td => td.scrollWidth > td.clientWidth && td.clientWidth < 90).map(td => td.title)""")
            assert cut == [], (username, cut)  # no text is cut to a few characters
            if username == "manager":
                cell = page.locator(f".bo-panel td.bo-text[title='{long_name}']").first
                assert cell.is_visible()
            screenshot(page, f"backoffice-home-{username}-long-names")
            context.close()
