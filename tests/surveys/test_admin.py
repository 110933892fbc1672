from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import FollowUp, Invitation, Response
from tests.factories import TechnicianFactory, TicketFactory
from tests.surveys.conftest import answer, resolve


def _answered(django_capture_on_commit_callbacks, *, technician=None, comment="很好", speed=5):
    ticket = TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(ticket, technician=technician)
    invitation = Invitation.objects.get(ticket=ticket)
    return answer(invitation=invitation, answers={
        "speed": speed, "attitude": 4, "result": 5, "nps": 9, "comment": comment})


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/surveys/response/",
        "/admin/surveys/invitation/",
        "/admin/surveys/followup/",
        "/admin/surveys/technicianalert/",
        "/admin/surveys/response/report/?group=technician",
        "/admin/surveys/response/report/?group=center&months=12",
    ],
)
def test_lists_use_a_constant_number_of_queries(client, superuser, django_capture_on_commit_callbacks, settings,
                                                url):
    settings.SURVEY_COMPLAINT_ALERT_THRESHOLD = 1
    client.force_login(superuser)
    _answered(django_capture_on_commit_callbacks, comment="投诉，态度差")
    few = _queries(client, url)
    for _i in range(4):
        _answered(django_capture_on_commit_callbacks, comment="投诉，态度差")
    assert _queries(client, url) == few


def test_report_shows_csat_and_nps_per_technician(client, superuser, django_capture_on_commit_callbacks):
    technician = TechnicianFactory(name="李师傅")
    _answered(django_capture_on_commit_callbacks, technician=technician)
    _answered(django_capture_on_commit_callbacks, technician=technician, speed=1)
    client.force_login(superuser)
    html = client.get("/admin/surveys/response/report/?group=technician").content.decode()
    assert "李师傅" in html
    # ratings: 5,4,5 and 1,4,5 -> 5 of 6 satisfied; NPS 9, 9 -> +100
    assert "83.3% / 100.0" in html


def test_manager_closes_a_follow_up_in_the_admin(client, manager, django_capture_on_commit_callbacks):
    response = _answered(django_capture_on_commit_callbacks, comment="乱收费，投诉")
    follow_up = response.follow_up
    follow_up.center.managers.add(manager)
    client.force_login(manager)
    url = f"/admin/surveys/followup/{follow_up.pk}/change/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"action": "close", "outcome": "", "note": ""}, follow=True)
    assert "请选择回访结果" in refused.content.decode()
    client.post(url, {"action": "close", "outcome": "compensated", "note": "退还检测费 50 元"})
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.CLOSED
    assert follow_up.outcome == "compensated"
    assert follow_up.handled_by == manager


def test_manager_sees_only_own_center(client, manager, django_capture_on_commit_callbacks):
    mine = _answered(django_capture_on_commit_callbacks, comment="投诉")
    _answered(django_capture_on_commit_callbacks, comment="投诉")
    mine.center.managers.add(manager)
    client.force_login(manager)
    page = client.get("/admin/surveys/followup/")
    assert page.context["cl"].result_count == 1
    assert Response.objects.count() == 2
