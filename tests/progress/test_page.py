"""The progress page and its state endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tickets import services
from tickets.models import Ticket

from .helpers import advance

pytestmark = pytest.mark.django_db


def _steps(html: str) -> dict[str, str]:
    out = {}
    for chunk in html.split('<li class="step ')[1:]:
        state = chunk.split('"')[0]
        key = chunk.split('data-step="')[1].split('"')[0]
        out[key] = state
    return out


def test_page_shows_steps_timeline_and_technician(client, ticket, tech):
    advance(ticket, "triage", "assign", "start", technician=tech)
    services.ticket_note_add(ticket=ticket, by=None, message="内部备注：客户很急", customer_visible=False)
    response = client.get(f"/t/{ticket.tracking_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert ticket.number in html
    assert "处理中" in html
    assert _steps(html) == {"received": "done", "accepted": "done", "assigned": "done", "repairing": "current",
                            "qc": "todo", "ready": "todo", "done": "todo"}
    assert "工程师已开始处理" in html
    assert "已安排工程师 李工" in html
    assert "内部备注" not in html
    assert "李工" in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert f"/ws/t/{ticket.tracking_token}/" in html
    assert "/help/?category=phone&amp;q=%E5%B1%8F%E5%B9%95%E6%8D%9F%E5%9D%8F" in html


def test_waiting_customer_and_remote_resolution(client, ticket, tech):
    advance(ticket, "triage", "assign", "start", "wait_customer", technician=tech)
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert "等待您的确认" in html
    assert "需要您处理" in html
    advance(ticket, "resume", "resolve")
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    steps = _steps(html)
    assert steps["qc"] == "skipped"
    assert steps["ready"] == "skipped"
    assert steps["done"] == "done"
    assert "服务已完成" in html


def test_walk_in_ticket_asks_to_bring_the_device(client, ticket, tech):
    advance(ticket, "triage", "assign", technician=tech)
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert "请携带设备及购机凭证前往 上海浦东服务中心" in html


def test_warranty_verdict_and_price_range(client, ticket):
    services.ticket_estimate_update(
        ticket=ticket, price_min=Decimal("199.00"), price_max=Decimal("899.00"),
        warranty_preview={
            "summary": "购机 60 天，在保修期内，可免费维修", "in_warranty": True, "remedy_labels": ["免费修理"],
            "cost_bearer_label": "销售者/生产者", "period": {"label": "整机保修", "end": "2027-09-20"},
            "reasons": [{"rule": "A1", "text": "整机三包有效期一年", "clause": "第十八条"}],
            "regulation": "《移动电话机商品修理更换退货责任规定》",
        },
    )
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert "购机 60 天，在保修期内，可免费维修" in html
    assert "¥199.00 – ¥899.00" in html
    assert "第十八条" in html
    assert "2027-09-20" in html


def test_cancelled_ticket(client, ticket):
    services.ticket_cancel(ticket=ticket, by=None, reason="客户态度差，内部取消", customer_message="客户已自行修好")
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert "工单已取消" in html
    assert "客户已自行修好" in html  # written for the customer
    assert "内部取消" not in html  # the internal reason is not


def test_state_json_renders_the_live_part(client, ticket, tech):
    advance(ticket, "triage", technician=tech)
    data = client.get(f"/t/{ticket.tracking_token}/state.json").json()
    assert data["status"] == "triaged"
    assert data["status_label"] == "已分类"
    assert "已受理，正在安排服务" in data["html"]
    last = data["last_event_id"]
    advance(ticket, "assign", technician=tech)
    data = client.get(f"/t/{ticket.tracking_token}/state.json").json()
    assert data["last_event_id"] > last
    assert "李工" in data["html"]


def test_state_json_of_unknown_token_is_404(client):
    assert client.get("/t/unknown-token-xxxxxxxxxxxxxxx/state.json").status_code == 404


def _page_queries(client, ticket, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/t/{ticket.tracking_token}/").status_code == 200
    return len(ctx.captured_queries)


def test_constant_query_count(client, ticket, tech, django_assert_num_queries):
    advance(ticket, "triage", "assign", "start", technician=tech)
    _page_queries(client, ticket, None)  # warms per-process caches (the knowledge corpus statistics)
    few = _page_queries(client, ticket, None)
    for n in range(15):
        services.ticket_note_add(ticket=ticket, by=None, message=f"进度说明 {n}", customer_visible=True)
    advance(ticket, "wait_parts", "resume", "submit_qc", "pass_qc")
    with django_assert_num_queries(few):
        assert client.get(f"/t/{ticket.tracking_token}/").status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).events.count() > 20


def test_self_help_links_for_the_product_and_fault(client, ticket):
    from tests.knowledge.factories import ArticleFactory

    article = ArticleFactory(title="手机屏幕摔碎了怎么办", slug="screen-broken-help",
                             body="屏幕摔碎、触摸失灵时，请先备份数据，然后预约更换屏幕。")
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert f'href="/help/a/{article.slug}/"' in html
    assert "手机屏幕摔碎了怎么办" in html


def test_survey_link_once_resolved(client, ticket, tech):
    from surveys.models import Invitation
    from surveys.services import invitation_create, invitation_signed_token

    advance(ticket, "triage", "assign", "start", "resolve", technician=tech)
    invitation = Invitation.objects.filter(ticket=ticket).first() or invitation_create(ticket=ticket)
    html = client.get(f"/t/{ticket.tracking_token}/").content.decode()
    assert f'/s/{invitation_signed_token(invitation=invitation)}/' in html
    assert "评价本次服务" in html
    assert f"/s/{invitation.token}/" not in html
