"""The technicians' app in a real browser (Debian chromium, a touch phone in Chinese) against the
real daphne server: a whole job from the offer to the hand-back, part of it with the network cut,
the part's QR label read by the camera (a fake camera playing a picture of the label), QC by an
inspector, the refusal of a queued action shown in plain words. Screenshots go to test-artifacts/
(``app-*.png``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import uuid
from pathlib import Path

import pytest
import qrcode
from django.conf import settings
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from parts.models import Location
from repairs.models import Quote, RepairOrder
from repairs.scheduling.models import Appointment, AppointmentSlot
from repairs.scheduling.planning import route_replan
from tests import factories
from tests.api.flow import PASSWORD, setup_world
from tests.live import live_server
from tickets.models import Attachment, IdempotencyRecord, Ticket, TicketAssignment, TicketEvent
from tickets.services import ticket_transition

from .conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHANGHAI = {"latitude": 31.2305, "longitude": 121.4738}


def _server():
    # Test settings (the hasher of the users created here; static files from the finders); the
    # server writes uploads where this test reads them. A loaded machine may need long to start it.
    return live_server(env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}, timeout=180)


def label_video(payload: str, path: Path) -> Path:
    """A Y4M clip (what chromium's fake camera plays) showing the part's QR label on a bench."""
    width, height = 640, 480
    code = qrcode.make(payload, box_size=6, border=4).convert("RGB")
    frame = Image.new("RGB", (width, height), (200, 196, 188))
    side = min(420, code.width)
    frame.paste(code.resize((side, side)), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            out.write(b"FRAME\n" + planes)
    return path


def jpeg(color=(40, 120, 200), size=(2400, 1800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=95)
    return out.getvalue()


def van_world() -> dict:
    """setup_world, with the stock (one serialized screen) in the technician's own van."""
    world = setup_world()
    tech = world["tech"]
    Location.objects.filter(stock_levels__part=world["part"]).update(kind=Location.Kind.VAN, technician=tech)
    return world


def sign(page, selector="#pad"):
    """A signature drawn with the finger (pointer events from a touch screen)."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 140)
    page.mouse.down()
    for i, (dx, dy) in enumerate([(60, 60), (90, 150), (130, 50), (170, 140), (220, 40), (260, 120)]):
        page.mouse.move(x + dx + i, y + dy, steps=4)
    page.mouse.up()


def login(page, base, username):
    page.goto(f"{base}/app/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def stage_is(page, text):
    expect(page.locator("section.card .pill").first).to_have_text(text, timeout=15000)


def eventually(check, timeout: float = 20.0):
    """Waits until the server's database shows what the phone sent (the outbox drains on its own)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the server never showed the change")
        time.sleep(0.3)


@pytest.fixture
def camera_browser(playwright_driver):
    """Chromium with a fake camera that films the label (the browser's own getUserMedia path)."""
    launched: list = []

    def launch(video: Path):
        launched.append(playwright_driver.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"]))
        return launched[-1]

    yield launch
    for browser in launched:
        browser.close()


def phone_context(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                               permissions=["geolocation", "camera"], geolocation=SHANGHAI,
                               service_workers="allow")


def test_a_whole_job_in_the_app_partly_offline(camera_browser, tmp_path):
    world = van_world()
    ticket, tech = world["ticket"], world["tech"]
    browser = camera_browser(label_video(world["label"], tmp_path / "label.y4m"))
    ARTIFACTS.mkdir(exist_ok=True)
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # The app is installable: manifest, icons and an active service worker.
        page.goto(f"{base}/app/")
        expect(page.locator("input[name=username]")).to_be_visible()
        screenshot(page, "app-01-login")
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)").endswith("/app/sw.js")
        login(page, base, tech.user.username)
        card = page.locator(f"a.job[data-job='{ticket.pk}']")
        expect(card).to_be_visible(timeout=15000)
        expect(card).to_contain_text(ticket.number)
        screenshot(page, "app-02-jobs")

        card.tap()
        stage_is(page, "待接单")
        expect(page.locator("[data-nav=amap]")).to_have_attribute("href", re.compile(r"^https://uri\.amap\.com/navigation\?to=121\.47"))
        expect(page.locator("[data-nav=baidu]")).to_be_visible()
        expect(page.locator("[data-nav=tencent]")).to_be_visible()
        screenshot(page, "app-03-job-offered")
        page.get_by_role("button", name="接单").tap()
        stage_is(page, "待出发")
        page.get_by_role("button", name="出发").tap()
        stage_is(page, "在路上")
        page.get_by_role("button", name="到达签到（GPS）").tap()
        stage_is(page, "待检测")
        eventually(lambda: TicketEvent.objects.filter(ticket=ticket, kind="visit.checked_in").count() == 1)
        assert TicketAssignment.objects.get(ticket=ticket, technician=tech).status == "accepted"
        screenshot(page, "app-04-job-on-site")

        # --- the basement has no signal: open, diagnose with a photo, quote, customer signs -----
        context.set_offline(True)
        page.get_by_role("button", name="开始检测").tap()
        stage_is(page, "检测中")
        expect(page.locator("#banner")).to_contain_text("离线")
        page.get_by_role("link", name="填写检测结果").tap()
        page.locator("select[name=fault_code]").select_option("phone.display")
        page.fill("textarea[name=findings]", "屏幕无显示，排线接触不良")
        page.fill("textarea[name=cause]", "排线老化")
        page.locator("input[data-photo=before]").set_input_files(
            files=[{"name": "before.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        expect(page.locator("#photos [data-count]")).to_have_text("已拍 1 张")
        screenshot(page, "app-05-diagnose")
        page.get_by_role("button", name="提交检测结果").tap()
        stage_is(page, "待报价")
        page.get_by_role("link", name="报价").tap()
        expect(page.locator("input[name=items][value=L-SCREEN]")).to_be_checked()
        page.locator(f"input[name=parts][value='{world['part'].pk}']").check()
        screenshot(page, "app-06-quote")
        page.get_by_role("button", name="客户在现场，手机签字").tap()
        expect(page.locator("#pad")).to_be_visible()
        sign(page)
        screenshot(page, "app-07-sign-quote")
        page.get_by_role("button", name="确认签字").tap()
        stage_is(page, "待维修")
        expect(page.locator("#banner")).to_contain_text("6 项操作待发送")
        screenshot(page, "app-08-offline-waiting")
        page.locator("#banner a").first.tap()
        expect(page.locator("ol.list li")).to_have_count(6)
        screenshot(page, "app-09-outbox")
        assert not RepairOrder.objects.filter(ticket=ticket).exists()  # nothing reached the server

        # --- signal again: the queue is replayed in order; one answer is lost on the way back ----
        lost = {"n": 0}

        def lose_first_diagnosis_answer(route):
            if lost["n"] == 0:
                lost["n"] += 1
                route.fetch()  # the server does the work …
                route.abort("connectionreset")  # … and the phone never hears back
            else:
                route.continue_()

        page.route("**/repair/diagnose/", lose_first_diagnosis_answer)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#banner")).to_be_hidden(timeout=45000)
        assert lost["n"] == 1
        order = RepairOrder.objects.get(ticket=ticket)
        assert order.status == RepairOrder.Status.APPROVED
        assert order.fault_code == "phone.display"
        events = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
        assert events.count("repair.opened") == 1
        assert events.count("quote.created") == 1
        assert Quote.objects.filter(repair_order=order).count() == 1
        quote = Quote.objects.get(repair_order=order)
        assert quote.status == Quote.Status.APPROVED
        assert {line.kind for line in quote.lines.all()} == {"labor", "part"}
        assert Attachment.objects.filter(ticket=ticket, purpose="before").count() == 1
        assert Attachment.objects.filter(ticket=ticket, kind="signature").count() == 1
        before = Attachment.objects.get(ticket=ticket, purpose="before")
        assert max(before.width, before.height) <= 1600  # compressed on the phone
        # the lost answer was replayed with its key: six actions, six stored answers, each applied once
        replayed = IdempotencyRecord.objects.filter(user=tech.user, path__contains=f"/jobs/{ticket.pk}/repair/")
        assert replayed.count() == 5  # open, diagnose, quote, send, approve (the photo is idempotent by uuid)

        # --- repair: the camera reads the part's label ------------------------------------------
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待维修")
        page.get_by_role("button", name="开始维修").tap()
        stage_is(page, "维修中")
        page.get_by_role("link", name="维修与换件").tap()
        held = []  # the label's check waits until the scan screen is photographed
        page.route("**/scan-part/", lambda route: held.append(route))
        page.get_by_role("link", name="扫码安装").tap()
        expect(page.locator("canvas.scanner")).to_be_visible(timeout=30000)  # the frame the label was read from
        expect(page.locator("#scan-status")).to_have_text("已识别，正在核验…")
        while not held:
            page.wait_for_timeout(100)
        screenshot(page, "app-10-scan")
        held[0].continue_()
        page.unroute("**/scan-part/")
        expect(page.get_by_text("已安装")).to_be_visible(timeout=30000)
        screenshot(page, "app-11-repair")
        # The scan is sent through the app's queue: its banner ("1 项操作待发送") leaves when it is
        # delivered and the buttons move up with it, so a tap at that moment lands on "等待备件".
        expect(page.locator("#banner")).to_be_hidden(timeout=30000)
        page.locator("input[data-photo=after]").set_input_files(
            files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg((20, 160, 60))}])
        expect(page.locator("#photos [data-count]")).to_have_text("已拍 1 张")
        page.fill("textarea[name=work_done]", "更换屏幕总成，测试显示与触摸正常")
        page.get_by_role("button", name="提交质检").tap()
        stage_is(page, "质检中")
        eventually(lambda: RepairOrder.objects.get(pk=order.pk).status == RepairOrder.Status.QC)
        expect(page.locator("#banner")).to_be_hidden(timeout=20000)
        assert order.fitted_parts.get().serial == "SCR-E2E-1"
        screenshot(page, "app-12-waiting-qc")

        # --- the QC inspector, on their own phone ---------------------------------------------
        qc_context = phone_context(browser)
        qc_page = qc_context.new_page()
        login(qc_page, base, world["inspector"].user.username)
        expect(qc_page.locator(".toolbar")).to_be_visible(timeout=15000)  # an inspector is a technician too
        qc_page.get_by_role("link", name="质检").tap()
        row = qc_page.locator(f"a.job[href='#/qc/{ticket.pk}']")
        expect(row).to_be_visible(timeout=15000)
        screenshot(qc_page, "app-13-qc-queue")
        row.tap()
        expect(qc_page.locator("#qc input[type=checkbox]").first).to_be_visible()
        for box in qc_page.locator("#qc input[type=checkbox]").all():
            box.check()
        screenshot(qc_page, "app-14-qc-check")
        qc_page.get_by_role("button", name="质检通过").tap()
        expect(qc_page.get_by_text("没有待质检的工单。")).to_be_visible(timeout=15000)
        expect(qc_page.locator("#banner")).to_be_hidden(timeout=15000)
        eventually(lambda: Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.READY)
        qc_context.close()

        # --- hand-back with the customer's signature -----------------------------------------
        page.get_by_role("button", name="刷新状态").tap()
        stage_is(page, "待交机")
        page.get_by_role("link", name="交机，客户签字").tap()
        sign(page)
        screenshot(page, "app-15-hand-back")
        page.get_by_role("button", name="确认签字").tap()
        expect(page.locator("#banner")).to_be_hidden(timeout=20000)
        stage_is(page, "已完成")
        eventually(lambda: Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED)
        page.get_by_role("link", name="今日工单").tap()
        page.get_by_role("link", name=re.compile(ticket.number)).or_(page.get_by_text("今天没有待处理的工单。")).wait_for()
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "已完成")
        expect(page.locator("#banner")).to_be_hidden()
        screenshot(page, "app-16-done")
        assert Attachment.objects.filter(ticket=ticket, kind="signature").count() == 2
        assert errors == []
        context.close()


def test_decline_and_a_refused_offline_action_in_plain_words(browser):
    world = setup_world()
    tech, ticket = world["tech"], world["ticket"]
    other = factories.TicketFactory(customer=world["customer"], device=ticket.device, service_mode="on_site")
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    other.refresh_from_db()
    if other.status == Ticket.Status.NEW:
        other = ticket_triage(ticket=other, by=None, fault_category=ticket.fault_category)
    other.refresh_from_db()
    if other.technician_id != tech.pk:
        dispatch_to(ticket=other, technician=tech, by=None)
    staff = factories.UserFactory(username=f"mgr-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True)
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        login(page, base, tech.user.username)
        expect(page.locator(f"a.job[data-job='{other.pk}']")).to_be_visible(timeout=15000)

        # decline one job with a reason
        page.goto(f"{base}/app/#/job/{other.pk}/decline")
        page.get_by_label("距离太远").check()
        page.fill("textarea[name=note]", "今天在浦东")
        screenshot(page, "app-17-decline")
        page.get_by_role("button", name="确认拒单").tap()
        expect(page.locator(f"a.job[data-job='{other.pk}']")).to_have_count(0, timeout=15000)
        eventually(lambda: TicketAssignment.objects.filter(ticket=other, technician=tech, status="declined").exists())
        declined = TicketAssignment.objects.filter(ticket=other, technician=tech).order_by("-created_at").first()
        assert declined.status == "declined"
        assert "距离太远" in declined.reason

        # accept the other offline; meanwhile the office cancels it
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待接单")
        page.get_by_role("button", name="接单").tap()
        stage_is(page, "待出发")
        # the phone shows an action at once; the acceptance must reach the server before the signal drops
        eventually(lambda: TicketAssignment.objects.filter(ticket=ticket, technician=tech,
                                                           status="accepted").exists())
        context.set_offline(True)
        page.get_by_role("button", name="出发").tap()
        stage_is(page, "在路上")
        ticket_transition(ticket=Ticket.objects.get(pk=ticket.pk), transition="cancel", by=staff,
                          message="客户取消")
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        banner = page.locator("#banner")
        expect(banner).to_contain_text("1 项操作被退回", timeout=30000)
        banner.locator("a.bad").tap()
        problem = page.locator(".problem")
        expect(problem).to_contain_text("“出发”没有完成")
        expect(problem).to_contain_text("已取消")
        screenshot(page, "app-18-refused")
        assert TicketEvent.objects.filter(ticket=ticket, kind="visit.departed").count() == 0
        page.get_by_role("button", name="知道了").tap()
        expect(page.locator(".problem")).to_have_count(0)
        context.close()


def test_a_label_photo_from_the_gallery_is_decoded_by_the_fallback(browser):
    """Without a working camera (or BarcodeDetector), a photo of the label is read by the vendored jsQR."""
    world = van_world()
    ticket = world["ticket"]
    code = qrcode.make(world["label"], box_size=8, border=4).convert("RGB")
    out = io.BytesIO()
    code.save(out, "PNG")
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        login(page, base, world["tech"].user.username)
        expect(page.locator(f"a.job[data-job='{ticket.pk}']")).to_be_visible(timeout=15000)
        part_id = world["part"].pk
        page.goto(f"{base}/app/#/job/{ticket.pk}/scan/999/{part_id}")
        decoded = page.evaluate(
            """async (bytes) => {
                const { scanImage } = await import('/static/technician/media.js');
                const file = new File([new Uint8Array(bytes)], 'label.png', { type: 'image/png' });
                delete window.BarcodeDetector;
                return scanImage(file);
            }""", list(out.getvalue()))
        assert decoded == world["label"]
        assert page.evaluate("typeof window.jsQR") == "function"
        context.close()


def visits_today(tech, tickets_and_hours) -> list[int]:
    """Books each ticket into today's window starting at the given hour and plans the day; returns
    the job ids in the planned order. The rows are written directly: a real booking refuses windows
    that start within hours of now or on a holiday, and the browser needs *today's* route."""
    day = timezone.localdate()
    for ticket, hour, (lat, lng) in tickets_and_hours:
        Ticket.objects.filter(pk=ticket.pk).update(latitude=lat, longitude=lng, address=f"漕溪北路 {hour} 号")
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        slot, _ = AppointmentSlot.objects.get_or_create(
            center=tech.center, skill="", start=start,
            defaults={"end": start + dt.timedelta(hours=2), "capacity": 5, "booked": 1})
        Appointment.objects.create(ticket=ticket, slot=slot, start=start, end=slot.end)
    plan = route_replan(technician=tech, day=day)
    return [stop["ticket"] for stop in plan.stops]


def test_the_day_in_route_order_with_arrivals_and_navigation_also_offline(browser):
    world = setup_world()
    tech, first = world["tech"], world["ticket"]
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    others = []
    for _ in range(2):
        other = factories.TicketFactory(customer=world["customer"], device=first.device, service_mode="on_site")
        other.refresh_from_db()
        if other.status == Ticket.Status.NEW:
            other = ticket_triage(ticket=other, by=None, fault_category=first.fault_category)
        other.refresh_from_db()
        if other.technician_id != tech.pk:
            dispatch_to(ticket=other, technician=tech, by=None)
        others.append(other)
    # booked first, visited last: the windows, not the order of booking, make the day
    order = visits_today(tech, [(first, 15, ("31.230500", "121.473800")), (others[0], 9, ("31.195000", "121.440000")),
                                (others[1], 11, ("31.210000", "121.460000"))])
    assert order == [others[0].pk, others[1].pk, first.pk]
    plan = route_replan(technician=tech, day=timezone.localdate())
    arrivals = [timezone.localtime(dt.datetime.fromisoformat(s["arrival"])).strftime("%H:%M") for s in plan.stops]
    with _server() as base:
        context = phone_context(browser)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, base, tech.user.username)
        stops = page.locator(".stop")
        expect(stops).to_have_count(3, timeout=15000)
        assert [int(x) for x in stops.evaluate_all("(els) => els.map((e) => e.dataset.stop)")] == order
        for i, stop_id in enumerate(order):
            stop = page.locator(f".stop[data-stop='{stop_id}']")
            expect(stop.locator("[data-arrival]")).to_have_text(f"预计 {arrivals[i]} 到达")
            expect(stop.locator(".eta b")).to_have_text(f"第 {i + 1} 站")
            expect(stop.locator(".leg")).to_contain_text("分钟")
        expect(page.locator(".stop").first.locator(".leg")).to_contain_text("从网点出发")
        nav = page.locator(f"[data-nav-stop='{order[0]}']")
        expect(nav).to_have_attribute("href", re.compile(r"^https://uri\.amap\.com/navigation\?to=121\.44,31\.195,"))
        expect(page.locator("#route")).to_contain_text("今日路线 3 站")
        screenshot(page, "app-19-route")

        # no signal: the app starts from its cache and shows the last route it fetched
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()
        expect(page.locator(".stop")).to_have_count(3, timeout=15000)
        assert [int(x) for x in page.locator(".stop").evaluate_all("(els) => els.map((e) => e.dataset.stop)")] == order
        expect(page.locator("#route")).to_contain_text("离线")
        screenshot(page, "app-20-route-offline")
        assert errors == []
        context.close()


WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5075 "
             "MMWEBSDK/20230405 MMWEBID/2285 MicroMessenger/8.0.35.2360(0x28002339) WeChat/arm64 Weixin "
             "NetType/WIFI Language/zh_CN ABI/arm64")
#: What WeChat's browser does not have: no QR BarcodeDetector, no install prompt, no crypto.randomUUID
#: on older builds, and no word about the network coming back (onLine stays true, no events).
WECHAT_LACKS = """
  delete window.BarcodeDetector;
  delete window.onbeforeinstallprompt;
  if (window.crypto) { try { Object.defineProperty(Crypto.prototype, "randomUUID", { value: undefined }); } catch (e) {} }
  Object.defineProperty(Navigator.prototype, "onLine", { get: () => true, configurable: true });
  for (const type of ["online", "offline"]) window.addEventListener(type, (e) => e.stopImmediatePropagation(), true);
  window.addEventListener("beforeinstallprompt", (e) => e.stopImmediatePropagation(), true);
"""


def test_the_app_in_wechats_browser_login_a_job_a_photo_and_offline_replay(browser):
    world = setup_world()
    tech, ticket = world["tech"], world["ticket"]
    with _server() as base:
        context = browser.new_context(viewport={"width": 393, "height": 780}, device_scale_factor=2.75,
                                      is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      user_agent=WECHAT_UA, permissions=["geolocation"], geolocation=SHANGHAI,
                                      service_workers="block")  # an X5 webview may not run one
        context.add_init_script(WECHAT_LACKS)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/app/")
        expect(page.locator("input[name=device]")).to_have_value("微信内置浏览器")
        assert page.evaluate("'BarcodeDetector' in window") is False
        assert page.evaluate("typeof crypto.randomUUID") == "undefined"
        screenshot(page, "app-wechat-01-login")
        login(page, base, tech.user.username)
        card = page.locator(f"a.job[data-job='{ticket.pk}']")
        expect(card).to_be_visible(timeout=15000)
        card.tap()
        page.get_by_role("button", name="接单").tap()
        stage_is(page, "待出发")
        page.get_by_role("button", name="出发").tap()
        page.get_by_role("button", name="到达签到（GPS）").tap()
        stage_is(page, "待检测")
        eventually(lambda: TicketEvent.objects.filter(ticket=ticket, kind="visit.checked_in").count() == 1)
        screenshot(page, "app-wechat-02-job")

        # no signal, and WeChat will not say when it is back
        context.set_offline(True)
        page.get_by_role("button", name="开始检测").tap()
        stage_is(page, "检测中")
        page.get_by_role("link", name="填写检测结果").tap()
        page.locator("select[name=fault_code]").select_option("phone.display")
        page.fill("textarea[name=findings]", "屏幕无显示")
        page.locator("input[data-photo=before]").set_input_files(
            files=[{"name": "IMG_20261126.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        expect(page.locator("#photos [data-count]")).to_have_text("已拍 1 张")
        page.get_by_role("button", name="提交检测结果").tap()
        stage_is(page, "待报价")
        expect(page.locator("#banner")).to_contain_text("3 项操作待发送", timeout=15000)
        expect(page.locator("#banner")).to_contain_text("离线")
        screenshot(page, "app-wechat-03-offline")
        assert not RepairOrder.objects.filter(ticket=ticket).exists()

        page.wait_for_timeout(9000)  # long enough offline for the retries to back off
        context.set_offline(False)
        page.get_by_role("link", name="今日工单").tap()  # the technician's next tap sends the queue
        expect(page.locator("#banner")).to_be_hidden(timeout=20000)
        order = RepairOrder.objects.get(ticket=ticket)
        assert order.status == RepairOrder.Status.QUOTING
        assert Attachment.objects.filter(ticket=ticket, purpose="before").count() == 1
        events = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
        assert events.count("repair.opened") == 1
        page.goto(f"{base}/app/#/job/{ticket.pk}")
        stage_is(page, "待报价")
        screenshot(page, "app-wechat-04-replayed")
        assert errors == []
        context.close()
