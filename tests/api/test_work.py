from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.api.images import jpeg_with_gps, png_bomb
from tickets.models import Attachment

pytestmark = pytest.mark.django_db


def _signature() -> str:
    from tests.api.flow import png_b64

    return png_b64()


def test_a_job_without_a_repair_order_is_handed_back_with_a_resolution(tech_client, job):
    started = tech_client.post(f"/api/v1/jobs/{job.pk}/start/", {"message": "到达现场"}, format="json")
    assert started.status_code == 200
    assert started.json()["status"] == "in_progress"
    done = tech_client.post(f"/api/v1/jobs/{job.pk}/repair/hand-back/", {
        "resolution": "重新插好排线，显示正常", "signer_name": "王小明", "signature_png": _signature()}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved"  # the answer is the job
    job.refresh_from_db()
    assert job.resolution == "重新插好排线，显示正常"
    assert Attachment.objects.filter(ticket=job, kind=Attachment.Kind.SIGNATURE).count() == 1


def test_a_hand_back_without_a_repair_order_needs_a_resolution_and_changes_nothing(tech_client, job):
    tech_client.post(f"/api/v1/jobs/{job.pk}/start/", {}, format="json")
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/repair/hand-back/", {
        "signer_name": "王小明", "signature_png": _signature()}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["field"] == "resolution"
    job.refresh_from_db()
    assert job.status == "in_progress"
    assert not Attachment.objects.filter(ticket=job).exists()


def test_the_deprecated_finish_still_ends_a_job_for_one_release_and_says_what_replaces_it(tech_client, job):
    tech_client.post(f"/api/v1/jobs/{job.pk}/start/", {}, format="json")
    finished = tech_client.post(f"/api/v1/jobs/{job.pk}/finish/", {"resolution": "更换屏幕总成"}, format="json")
    assert finished.status_code == 200, finished.content
    assert finished.json()["status"] == "resolved"
    assert finished["Deprecation"] == "true"
    assert finished["Sunset"].endswith("2027 00:00:00 GMT")
    assert finished["Link"] == f'</api/v1/jobs/{job.pk}/repair/hand-back/>; rel="successor-version"'


def test_the_deprecated_finish_needs_a_resolution(tech_client, job):
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/finish/", {}, format="json")
    assert response.status_code == 400
    assert "resolution" in response.json()["extra"]["fields"]


def test_the_deprecated_paths_need_a_login(anon_client, job):
    for old in ("submit-qc/", "finish/"):
        assert anon_client.post(f"/api/v1/jobs/{job.pk}/{old}", {"resolution": "x"}, format="json").status_code == 401
    job.refresh_from_db()
    assert job.status == "assigned"


def test_photo_upload_strips_exif_and_keeps_no_location(tech_client, job, settings):
    upload = SimpleUploadedFile("before.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": upload, "purpose": "before"},
                                format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purpose"] == "before"
    attachment = Attachment.objects.get(pk=body["id"])
    # the check-in coordinate on the visit record is the technician's location; a photo keeps none
    assert not any("exif" in key or "latitude" in key for key in body)
    assert not any("exif" in f.name for f in Attachment._meta.get_fields())
    with attachment.file.open("rb") as fh:
        stored = Image.open(fh)
        assert 0x8825 not in stored.getexif()


def test_decompression_bomb_is_refused(tech_client, job):
    upload = SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png")
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] in {"image_too_large", "invalid_image"}
    assert not Attachment.objects.filter(ticket=job).exists()


def test_not_an_image_is_refused(tech_client, job):
    upload = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_image"


def test_oversized_body_is_refused_before_parsing(tech_client, job, settings):
    settings.ATTACHMENT_MAX_IMAGE_BYTES = 1024
    settings.ATTACHMENT_MAX_VIDEO_BYTES = 1024
    upload = SimpleUploadedFile("big.jpg", b"\0" * (200 * 1024), content_type="image/jpeg")
    response = tech_client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def _offered(technician, fault, *, service_mode="on_site"):
    from repairs.dispatch.services import dispatch_to
    from tests import factories
    from tickets.services import ticket_triage

    ticket = factories.TicketFactory(service_mode=service_mode)
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    dispatch_to(ticket=ticket, technician=technician, by=None)
    ticket.refresh_from_db()
    return ticket


def test_accept_then_decline_with_reason_takes_the_job_away(tech_client, technician, fault):
    ticket = _offered(technician, fault)
    accepted = tech_client.post(f"/api/v1/jobs/{ticket.pk}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    again = tech_client.post(f"/api/v1/jobs/{ticket.pk}/accept/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "no_assignment"
    assert again.json()["extra"]["current"]["status"] == "assigned"
    no_reason = tech_client.post(f"/api/v1/jobs/{ticket.pk}/decline/", {}, format="json")
    assert no_reason.status_code == 400
    declined = tech_client.post(f"/api/v1/jobs/{ticket.pk}/decline/", {"reason": "车辆故障"}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert tech_client.get(f"/api/v1/jobs/{ticket.pk}/").status_code == 404
    sync = tech_client.get("/api/v1/jobs/sync/").json()
    assert [r["id"] for r in sync["removed"]] == [ticket.pk]


def test_far_check_in_is_recorded_and_flagged(tech_client, technician, fault):
    ticket = _offered(technician, fault)
    assert tech_client.post(f"/api/v1/jobs/{ticket.pk}/depart/", {}, format="json").status_code == 200
    response = tech_client.post(f"/api/v1/jobs/{ticket.pk}/check-in/",
                                {"latitude": "31.300000", "longitude": "121.600000"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["distance_m"] > 1000
    assert body["is_far"] is True
    kinds = [e["kind"] for e in tech_client.get(f"/api/v1/jobs/{ticket.pk}/").json()["events"]]
    assert "visit.far_check_in" in kinds


def test_check_in_refuses_coordinates_out_of_range(tech_client, technician, fault):
    ticket = _offered(technician, fault)
    response = tech_client.post(f"/api/v1/jobs/{ticket.pk}/check-in/", {"latitude": "95", "longitude": "10"},
                                format="json")
    assert response.status_code == 400
    assert "latitude" in response.json()["extra"]["fields"]


def test_client_generated_uuids_make_offline_creation_safe_to_retry(tech_client, job):
    import uuid

    photo_id = str(uuid.uuid4())
    for _ in range(2):
        upload = SimpleUploadedFile("before.jpg", jpeg_with_gps(), content_type="image/jpeg")
        response = tech_client.post(f"/api/v1/jobs/{job.pk}/attachments/",
                                    {"file": upload, "purpose": "before", "uuid": photo_id}, format="multipart")
        assert response.status_code == 201, response.content
        assert response.json()["uuid"] == photo_id
    assert Attachment.objects.filter(ticket=job).count() == 1

    order_id = str(uuid.uuid4())
    first = tech_client.post(f"/api/v1/jobs/{job.pk}/repair/open/", {"uuid": order_id}, format="json")
    assert first.status_code == 201, first.content
    again = tech_client.post(f"/api/v1/jobs/{job.pk}/repair/open/", {"uuid": order_id}, format="json")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["uuid"] == order_id
