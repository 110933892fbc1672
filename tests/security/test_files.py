"""Customers' uploads are served only after an access check: there is no public /media/ URL."""

from __future__ import annotations

import importlib
import io

import pytest
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve
from PIL import Image

from tests import factories
from tests.api.conftest import client_for
from tickets.attachments import attachment_add
from tickets.models import Ticket


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def job(db, technician):
    customer = factories.CustomerFactory()
    ticket = factories.TicketFactory(customer=customer, device=factories.DeviceFactory(owner=customer))
    Ticket.objects.filter(pk=ticket.pk).update(technician=technician,
                                               service_center=factories.ServiceCenterFactory())
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def photo(job):
    return attachment_add(ticket=job, file=_png(), filename="屏幕.png", customer_visible=True)


@pytest.fixture
def private_photo(job):
    return attachment_add(ticket=job, file=_png(), filename="内部.png", customer_visible=False)


def test_no_media_url_is_mounted_even_with_debug():
    import config.urls

    try:
        with override_settings(DEBUG=True):
            clear_url_caches()
            importlib.reload(config.urls)
            with pytest.raises(Resolver404):
                resolve("/media/attachments/2026/11/x.png")
    finally:
        clear_url_caches()
        importlib.reload(config.urls)


def test_staff_in_scope_open_a_file_and_others_get_404(client, photo, agent, manager):
    url = f"/files/{photo.uuid}/"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]
    # a centre manager of another centre: the same 404 as a missing file
    factories.ServiceCenterFactory().managers.add(manager)
    client.force_login(manager)
    assert client.get(url).status_code == 404


def test_technician_opens_files_of_own_job_only(photo, technician, db):
    assert client_for(technician.user).get(f"/files/{photo.uuid}/").status_code == 200
    stranger = factories.TechnicianFactory()
    assert client_for(stranger.user).get(f"/files/{photo.uuid}/").status_code == 404


def test_api_gives_the_checked_url_not_a_media_path(photo, technician):
    from repairs.api.serializers import AttachmentOut

    data = AttachmentOut(photo).data
    assert data["url"] == f"/files/{photo.uuid}/"


def test_customer_opens_only_visible_files_of_own_ticket(client, photo, private_photo, job):
    token = job.tracking_token
    assert client.get(f"/t/{token}/files/{photo.uuid}/").status_code == 200
    assert client.get(f"/t/{token}/files/{private_photo.uuid}/").status_code == 404
    other = factories.TicketFactory()
    assert client.get(f"/t/{other.tracking_token}/files/{photo.uuid}/").status_code == 404


def test_a_document_downloads_instead_of_rendering(client, job, agent):
    doc = attachment_add(ticket=job, file=b"<html><script>alert(1)</script>", filename="x.html",
                         kind="document", content_type="text/html")
    client.force_login(agent)
    response = client.get(f"/files/{doc.uuid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
