"""Uploads are bounded before they are read and never buffered whole in memory.

The ceiling is checked from the headers at the ASGI entry point (before Django reads the body),
a streamed body is cut off at the ceiling, videos are recognised by their signature (an HTML page
sent as video/mp4 is refused and nothing is stored), large videos are streamed to storage, every
customer has a daily allowance counted from the stored attachments, and /submit/ is rate limited
per address without Redis. Bodies in these tests are small: the sizes are declared, not allocated.
"""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from knox.models import AuthToken

from config.asgi import application
from config.body_limit import BodyLimitMiddleware
from tests import factories
from tests.api.conftest import client_for, make_job
from tests.intake.conftest import jpeg_bytes
from tickets.attachments import attachment_add, video_type
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment, Ticket

MB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def _mp4(size: int) -> bytes:
    return MP4_HEAD + b"\x00" * (size - len(MP4_HEAD))


def _http(path: str, *, headers: dict[str, str], chunks: list[bytes] | None = None, endless: bool = False,
          app=application):
    """Drive an ASGI app with one HTTP request; returns (status, body, how many body reads happened)."""
    reads = 0
    sent: list[dict] = []

    async def receive():
        nonlocal reads
        reads += 1
        if endless:
            return {"type": "http.request", "body": b"x" * 65536, "more_body": True}
        if chunks is not None and reads <= len(chunks):
            return {"type": "http.request", "body": chunks[reads - 1], "more_body": reads < len(chunks)}
        await asyncio.sleep(3600)  # the client would wait for an answer
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("203.0.113.9", 50000), "server": ("testserver", 80)}

    async def run():
        await asyncio.wait_for(app(scope, receive, send), timeout=30)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, reads


@pytest.mark.django_db
def test_a_60_mb_api_attachment_is_refused_from_its_headers_before_a_byte_is_read(technician):
    job = make_job(technician)
    _instance, token = AuthToken.objects.create(user=technician.user)
    status, body, reads = _http(f"/api/v1/jobs/{job.pk}/attachments/", headers={
        "Content-Length": str(60 * MB), "Content-Type": "multipart/form-data; boundary=x",
        "Authorization": f"Token {token}", "Host": "testserver"})
    assert status == 413
    assert reads == 0
    error = json.loads(body)
    assert error["code"] == "request_too_large"
    assert "上传内容过大" in error["message"]
    assert not Attachment.objects.exists()


def test_nine_50_mb_videos_on_submit_are_refused_before_the_body_is_read():
    status, body, reads = _http("/submit/", headers={"Content-Length": str(9 * 50 * MB), "Host": "testserver",
                                                     "Content-Type": "multipart/form-data; boundary=x"})
    assert status == 413
    assert reads == 0
    assert "上传内容过大" in body.decode()


def test_a_streamed_body_without_length_is_cut_off_at_the_ceiling(settings):
    settings.REQUEST_MAX_BODY_BYTES = 256 * 1024
    status, _body, reads = _http("/submit/", headers={"Host": "testserver",
                                                      "Content-Type": "multipart/form-data; boundary=x"}, endless=True)
    assert status == 413
    assert reads <= 256 * 1024 // 65536 + 1  # stopped reading at the ceiling, not at the end of the stream


def test_a_body_under_the_ceiling_reaches_the_app_whole():
    async def echo(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})

    status, body, _reads = _http("/submit/", headers={"Content-Length": "6"}, chunks=[b"abc", b"def"],
                                 app=BodyLimitMiddleware(echo))
    assert (status, body) == (200, b"6")


@pytest.mark.django_db
def test_the_test_client_path_is_refused_from_content_length_too(technician):
    job = make_job(technician)
    client = client_for(technician.user)
    response = client.generic("POST", f"/api/v1/jobs/{job.pk}/attachments/", b"tiny",
                              content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(60 * MB))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_videos_are_recognised_by_their_signature():
    assert video_type(MP4_HEAD) == "video/mp4"
    assert video_type(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ") == "video/quicktime"
    assert video_type(b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat") == "video/quicktime"
    assert video_type(b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x02\x003gp4isom") == "video/3gpp"
    assert video_type(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm") == "video/webm"
    assert video_type(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska") is None
    assert video_type(HTML) is None
    assert video_type(b"") is None


@pytest.mark.django_db
def test_an_html_page_sent_as_mp4_on_submit_is_refused_and_nothing_is_stored(client, taxonomy, phone_model):
    fake = SimpleUploadedFile("clip.mp4", HTML, content_type="video/mp4")
    response = client.post("/submit/", {
        "name": "张三", "phone": "138 0013 8000", "description": "摔了一下屏幕花屏", "serial": factories.make_imei(778),
        "product_model": phone_model.pk, "service_mode": "", "city": "上海市", "district": "浦东新区",
        "address": "", "idempotency_key": "html-as-video", "files": [fake]})
    assert response.status_code == 400
    assert "不是有效的视频" in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_an_html_page_sent_as_mp4_to_the_api_is_refused(technician):
    job = make_job(technician)
    client = client_for(technician.user)
    fake = SimpleUploadedFile("clip.mp4", HTML, content_type="video/mp4")
    response = client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_video"
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_real_video_is_stored_under_its_sniffed_type(technician):
    job = make_job(technician)
    client = client_for(technician.user)
    clip = SimpleUploadedFile("clip.mov", _mp4(4096), content_type="video/quicktime")
    response = client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": clip}, format="multipart")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.content_type, attachment.size) == ("video", "video/mp4", 4096)
    assert attachment.file.name.endswith(".mp4")


class ReadSpy(io.BytesIO):
    """An uploaded file that records how much each read asks for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.size = len(data)
        self.reads: list[int | None] = []

    def read(self, n: int | None = -1) -> bytes:
        self.reads.append(n)
        return super().read(n)


@pytest.mark.django_db
def test_a_large_video_is_streamed_to_storage_not_read_whole(technician):
    job = make_job(technician)
    spy = ReadSpy(_mp4(3 * MB))
    attachment = attachment_add(ticket=job, file=spy, filename="clip.mp4", by=technician.user,
                                content_type="video/mp4")
    assert attachment.size == 3 * MB
    assert attachment.file.size == 3 * MB
    assert all(n is not None and 0 < n <= MB for n in spy.reads), spy.reads


@pytest.mark.django_db
def test_api_uploads_over_one_mb_are_spooled_to_temporary_files(technician, monkeypatch):
    from repairs.api import work

    job = make_job(technician)
    seen = []
    real = work.attachment_add

    def spy(**kwargs):
        seen.append(type(kwargs["file"]))
        return real(**kwargs)

    monkeypatch.setattr(work, "attachment_add", spy)
    client = client_for(technician.user)
    clip = SimpleUploadedFile("clip.mp4", _mp4(2 * MB), content_type="video/mp4")
    assert client.post(f"/api/v1/jobs/{job.pk}/attachments/", {"file": clip}, format="multipart").status_code == 201
    assert seen == [TemporaryUploadedFile]


@pytest.mark.django_db
def test_a_customer_has_a_daily_upload_allowance(settings, technician):
    settings.ATTACHMENT_CUSTOMER_DAILY_BYTES = 100 * 1024
    ticket = factories.TicketFactory()
    attachment_add(ticket=ticket, file=_mp4(60 * 1024), filename="a.mp4", content_type="video/mp4")
    other_ticket = factories.TicketFactory(customer=ticket.customer)
    with pytest.raises(ValidationFailed) as refused:
        attachment_add(ticket=other_ticket, file=_mp4(60 * 1024), filename="b.mp4", content_type="video/mp4")
    assert refused.value.code == "upload_quota_exceeded"
    assert "今日上传的文件已达上限" in str(refused.value.message)
    assert Attachment.objects.count() == 1
    # Staff uploads are not the customer's.
    attachment_add(ticket=ticket, file=_mp4(60 * 1024), filename="c.mp4", content_type="video/mp4",
                   by=technician.user)
    assert Attachment.objects.count() == 2


@pytest.mark.django_db
def test_submit_is_rate_limited_per_address_even_with_redis_down(client, settings, taxonomy, phone_model):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submit": "2/hour"}}
    settings.CACHES = {"default": {"BACKEND": "config.cache.FailSoftRedisCache",
                                   "LOCATION": "redis://127.0.0.1:6390/0"}}
    photo = jpeg_bytes()
    for n in range(2):
        response = client.post("/submit/", {"phone": "13800138000", "description": "", "idempotency_key": f"k{n}",
                                            "files": [SimpleUploadedFile("a.jpg", photo, content_type="image/jpeg")]})
        assert response.status_code == 400  # counted, then refused by the form
    response = client.post("/submit/", {"phone": "13800138000", "description": "屏幕碎了", "idempotency_key": "k3"})
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert not Ticket.objects.exists()
    # Other addresses are not affected.
    assert client.get("/submit/").status_code == 200
    assert client.post("/submit/", {"idempotency_key": "k4"}, REMOTE_ADDR="198.51.100.7").status_code == 400


def _daphne_request(path: bytes):
    """A Daphne request object on an in-memory transport, as Twisted builds it from the headers."""
    from daphne.http_protocol import WebRequest
    from twisted.internet.testing import StringTransport

    from config.body_limit import install_daphne_body_limit

    install_daphne_body_limit()

    class Channel:
        transport = StringTransport()
        _path = path

        def getPeer(self):  # noqa: N802
            return self.transport.getPeer()

        def getHost(self):  # noqa: N802
            return self.transport.getHost()

        class factory:  # noqa: N801
            class server:  # noqa: N801
                @staticmethod
                def protocol_connected(request):
                    pass

    request = WebRequest(Channel())
    request.requestHeaders.addRawHeader(b"expect", b"100-continue")
    return request, Channel.transport


def test_daphne_answers_413_from_the_headers_and_never_invites_the_body():
    request, transport = _daphne_request(b"/api/v1/jobs/1/attachments/")
    request.gotLength(60 * MB)
    sent = transport.value()
    assert sent.startswith(b"HTTP/1.1 413 ")
    assert b'"request_too_large"' in sent
    assert transport.disconnecting
    assert not request.requestHeaders.hasHeader(b"expect")  # so Twisted sends no "100 Continue"
    request.handleContentChunk(b"x" * 65536)  # what was already on the wire is dropped, not stored


def test_daphne_cuts_off_a_chunked_body_at_the_ceiling(settings):
    settings.REQUEST_MAX_BODY_BYTES = 256 * 1024
    request, transport = _daphne_request(b"/submit/")
    request.gotLength(None)
    for _ in range(3):
        request.handleContentChunk(b"x" * 65536)
    assert transport.value() == b""
    for _ in range(2):
        request.handleContentChunk(b"x" * 65536)
    assert transport.value().startswith(b"HTTP/1.1 413 ")
    assert "上传内容过大" in transport.value().decode()
    assert request.content.read() == b""


def test_daphne_reads_a_body_under_the_ceiling_as_usual():
    request, transport = _daphne_request(b"/submit/")
    request.gotLength(10)
    request.handleContentChunk(b"0123456789")
    request.content.seek(0)
    assert request.content.read() == b"0123456789"
    assert transport.value() == b""
