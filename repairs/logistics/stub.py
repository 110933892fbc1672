"""A local stub of the SF Express open platform, for development and tests (``CARRIER_BACKEND=stub``).

It checks each call's digest with the partner's check word, answers in the platform's envelope,
derives the waybill number from the order id (so a retried order gets the same waybill, as the
carrier refuses duplicates), renders a label PDF, and from its console page pushes signed route
events (picked up, in transit, delivered) to our webhook from a thread of its own.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import threading
import time

import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tickets.links import site_base

from .carrier import carrier_account, msg_digest

logger = logging.getLogger(__name__)

ROUTES = {"50": "顺丰速运 已收取快件", "30": "快件已发车", "44": "快件交给派送员，正在派送途中", "80": "已签收，感谢使用顺丰"}


def _answer(success: bool, msg_data: dict | None = None, error: str = "") -> JsonResponse:
    return JsonResponse({"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID": "STUB",
                         "apiResultData": json.dumps({"success": success, "errorCode": "S0000" if success else "8000",
                                                      "errorMsg": error, "msgData": msg_data or {}},
                                                     ensure_ascii=False)})


def waybill_for(order_id: str) -> str:
    return "SF" + str(int(hashlib.sha256(order_id.encode()).hexdigest(), 16))[:13]


def _label(waybill_no: str, msg: dict) -> bytes:
    from reportlab.graphics.barcode import code128
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(100 * mm, 150 * mm))
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(8 * mm, 138 * mm, "SF EXPRESS (stub)")
    code128.Code128(waybill_no, barHeight=18 * mm, barWidth=0.4 * mm).drawOn(pdf, 8 * mm, 110 * mm)
    pdf.setFont("Helvetica", 11)
    pdf.drawString(8 * mm, 104 * mm, waybill_no)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


@csrf_exempt
@require_POST
def service(request: HttpRequest) -> HttpResponse:
    account = carrier_account(base_url=site_base())
    form = request.POST
    if form.get("partnerID") != account.partner_id:
        return JsonResponse({"apiResultCode": "A1001", "apiErrorMsg": "partnerID 无效"})
    if msg_digest(form.get("msgData", ""), form.get("timestamp", ""), account.check_word) != form.get("msgDigest"):
        return JsonResponse({"apiResultCode": "A1006", "apiErrorMsg": "数字签名无效"})
    try:
        msg = json.loads(form["msgData"])
    except ValueError:
        return JsonResponse({"apiResultCode": "A1002", "apiErrorMsg": "msgData 不是合法的 JSON"})
    code = form.get("serviceCode")
    if code == "EXP_RECE_CREATE_ORDER":
        contacts = msg.get("contactInfoList") or []
        if not msg.get("orderId") or len(contacts) != 2 or not all(c.get("mobile") and c.get("address") for c in contacts):
            return _answer(success=False, error="寄件人或收件人信息不完整")
        if msg.get("payMethod") == 1 and not msg.get("monthlyCard"):
            return _answer(success=False, error="寄付月结须填写月结卡号")
        return _answer(success=True, msg_data={"orderId": msg["orderId"],
                                               "waybillNoInfoList": [{"waybillType": 1,
                                                                      "waybillNo": waybill_for(msg["orderId"])}]})
    if code == "COM_RECE_CLOUD_PRINT_WAYBILLS":
        waybill = ((msg.get("documents") or [{}])[0]).get("masterWaybillNo", "")
        if not waybill:
            return _answer(success=False, error="缺少运单号")
        content = base64.b64encode(_label(waybill, msg)).decode()
        return _answer(success=True, msg_data={"files": [{"waybillNo": waybill, "content": content}]})
    return JsonResponse({"apiResultCode": "A1003", "apiErrorMsg": "serviceCode 未开通"})


def route_push(waybill_no: str, op_code: str, *, at=None) -> dict[str, str]:
    """The signed form of a route push for one event (what the carrier posts to our webhook)."""
    account = carrier_account(base_url=site_base())
    at = timezone.localtime(at or timezone.now())
    msg_data = json.dumps({"WaybillRoute": [{
        "id": f"{waybill_no}-{op_code}-{int(at.timestamp())}", "mailno": waybill_no, "opCode": op_code,
        "acceptTime": at.strftime("%Y-%m-%d %H:%M:%S"), "acceptAddress": "上海市", "remark": ROUTES.get(op_code, op_code),
    }]}, ensure_ascii=False)
    stamp = str(int(time.time() * 1000))
    return {"msgData": msg_data, "timestamp": stamp, "msgDigest": msg_digest(msg_data, stamp, account.check_word)}


@csrf_exempt
@require_POST
def console(request: HttpRequest, waybill_no: str) -> HttpResponse:
    """The stub's operator console: make the courier pick up, move or deliver a parcel (op=50/30/44/80)."""
    op = request.POST.get("op", "50")
    form = route_push(waybill_no, op)
    url = site_base() + reverse("logistics:sf_push")

    def post() -> None:
        try:
            requests.post(url, data=form, timeout=10)
        except requests.RequestException as exc:
            logger.warning("stub carrier could not push a route to %s: %s", url, exc)

    threading.Thread(target=post, name="stub-carrier-push", daemon=True).start()
    return JsonResponse({"pushed": op, "waybillNo": waybill_no})
