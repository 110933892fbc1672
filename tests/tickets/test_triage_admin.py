"""The triage queue in the admin: the top three candidates with their probabilities, the words that
decided, and a one-click classification through the service."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.intake.services import intake_submit
from tickets.models import Ticket, TicketEvent, TriageCorrection, TriageResult

QUEUE = "/admin/tickets/triagequeueticket/"


def _unclear(n):
    return intake_submit(channel="web", name=f"客户{n}", phone=f"1390000{n:04d}",
                         description="东西用着用着就不太对劲，麻烦看看").ticket


def test_queue_offers_top_three_with_probabilities_and_reasons(client, agent, taxonomy,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _unclear(1)
    result = TriageResult.objects.get(ticket=ticket)
    assert result.needs_review
    client.force_login(agent)
    html = client.get(QUEUE).content.decode()
    for candidate in result.candidates[:3]:
        assert f'value="{candidate["code"]}"' in html
        assert f'{round(candidate["p"] * 100)}%' in html
    assert f"/admin/tickets/triagequeueticket/{ticket.pk}/classify/" in html
    page = client.get(f"{QUEUE}{ticket.pk}/change/").content.decode()
    assert 'id="triage-explanation"' in page
    assert 'id="triage-candidates"' in page


def test_queue_query_count_does_not_grow_with_rows(client, agent, taxonomy, django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        _unclear(1)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2, 6):
            _unclear(n)
    with CaptureQueriesContext(connection) as five:
        response = client.get(QUEUE)
    assert response.content.decode().count("classify/") >= 5
    assert len(five) == len(one)


def test_one_click_classifies_routes_and_records(client, agent, taxonomy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _unclear(1)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{QUEUE}{ticket.pk}/classify/", {"fault_category_code": "fridge.cooling"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.fault_category.code == "fridge.cooling"
    assert ticket.department == "hardware"
    assert TriageCorrection.objects.get(ticket=ticket).corrected_by == agent
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.triaged").exists()
    assert ticket.pk not in {t.pk for t in client.get(QUEUE).context["cl"].result_list}


def test_one_click_refuses_a_parent_and_a_get(client, agent, technician, taxonomy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _unclear(1)
    client.force_login(agent)
    client.post(f"{QUEUE}{ticket.pk}/classify/", {"fault_category_code": "fridge"})
    assert client.get(f"{QUEUE}{ticket.pk}/classify/").status_code == 403
    client.force_login(technician.user)
    assert client.post(f"{QUEUE}{ticket.pk}/classify/", {"fault_category_code": "fridge.cooling"}).status_code in (
        302, 403)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not TriageCorrection.objects.exists()


def test_ticket_page_shows_candidates_and_the_deciding_words(client, agent, taxonomy, phone_model,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake_submit(channel="web", name="张三", phone="13800138000", description="屏幕碎了，触摸也失灵了",
                               product_model=phone_model).ticket
    result = TriageResult.objects.get(ticket=ticket)
    client.force_login(agent)
    html = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "分类依据" in html
    assert f'{result.candidates[0]["name"]} {round(result.candidates[0]["p"] * 100)}%' in html
    assert result.explanation[0]["feature"] in html
