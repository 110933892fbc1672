"""The carrier adapter, shaped on the SF Express open platform (丰桥) protocol.

Every call is a form POST of ``partnerID``, ``requestID``, ``serviceCode``, ``timestamp``, ``msgData``
(JSON) and ``msgDigest`` = Base64(MD5(URL-encode(msgData + timestamp + checkWord))); the answer is
``{"apiResultCode": "A1000", "apiResultData": "<JSON>"}``. Route pushes come back to our webhook with
the same digest over their ``msgData``. ``CARRIER_BACKEND = "stub"`` points the adapter at the local
stub of this protocol (``stub.py``) with a check word generated at first use into an untracked file;
production needs only the partner id, the check word and the monthly account.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import quote_plus

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.exceptions import DomainError

logger = logging.getLogger(__name__)

SUCCESS = "A1000"
#: SF route operation codes the page cares about
OP_PICKED_UP, OP_DELIVERED = "50", "80"


class CarrierError(DomainError):
    code = "carrier_error"
    status_code = 502


class PushSignatureInvalid(DomainError):
    code = "carrier_push_signature_invalid"
    status_code = 400


@dataclass(frozen=True)
class RouteEvent:
    waybill_no: str
    op_code: str
    description: str
    location: str
    occurred_at: datetime


@dataclass(frozen=True)
class CarrierAccount:
    partner_id: str
    check_word: str
    monthly_card: str
    endpoint: str


def msg_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    return base64.b64encode(hashlib.md5(quote_plus(msg_data + timestamp + check_word).encode()).digest()).decode()  # noqa: S324 - the carrier's protocol


@cache
def _stub_account_file(path: str) -> dict:
    target = Path(path)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and target.stat().st_size:
            return json.loads(target.read_text())
        data = {"partner_id": "STUB_SF_" + secrets.token_hex(4).upper(), "check_word": secrets.token_urlsafe(24),
                "monthly_card": "7551234567"}
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        return data


def _carrier_time(value: str) -> datetime:
    """The carrier writes local (Beijing) wall-clock time without a zone."""
    return datetime.strptime(value + " +0800", "%Y-%m-%d %H:%M:%S %z")


def is_stub() -> bool:
    return settings.CARRIER_BACKEND == "stub"


def carrier_enabled() -> bool:
    """A shop without a courier contract offers no pickup booking; customers post or bring the device."""
    return settings.CARRIER_BACKEND != "off"


def carrier_account(*, base_url: str) -> CarrierAccount:
    if not carrier_enabled():
        raise DomainError(_("本网点未开通快递上门取件，请自行寄送或到店。"))
    if is_stub():
        a = _stub_account_file(settings.CARRIER_STUB_KEYS_FILE)
        return CarrierAccount(partner_id=a["partner_id"], check_word=a["check_word"], monthly_card=a["monthly_card"],
                              endpoint=f"{base_url}/_stub/sf/std/service")
    c = settings.SF_EXPRESS
    return CarrierAccount(partner_id=c["PARTNER_ID"], check_word=c["CHECK_WORD"], monthly_card=c["MONTHLY_CARD"],
                          endpoint=c["ENDPOINT"])


def _contact(party: dict) -> dict:
    return {"contact": party.get("name", ""), "mobile": party.get("phone", ""), "province": party.get("province", ""),
            "city": party.get("city", ""), "county": party.get("district", ""), "address": party.get("address", ""),
            "country": "CN"}


class SFExpressCarrier:
    name = "sf"

    def __init__(self, *, base_url: str):
        self.account = carrier_account(base_url=base_url)

    def _call(self, service_code: str, msg: dict) -> dict:
        msg_data = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
        stamp = str(int(time.time() * 1000))
        form = {"partnerID": self.account.partner_id, "requestID": uuid.uuid4().hex, "serviceCode": service_code,
                "timestamp": stamp, "msgData": msg_data,
                "msgDigest": msg_digest(msg_data, stamp, self.account.check_word)}
        try:
            response = requests.post(self.account.endpoint, data=form, timeout=10)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            logger.warning("carrier call %s failed: %s", service_code, exc)
            raise CarrierError(_("快递公司系统暂时无法连接，请稍后重试。")) from exc
        if answer.get("apiResultCode") != SUCCESS:
            raise CarrierError(_("快递下单失败：%(msg)s") % {"msg": answer.get("apiErrorMsg") or answer.get("apiResultCode")})
        data = json.loads(answer.get("apiResultData") or "{}")
        if not data.get("success"):
            raise CarrierError(_("快递下单失败：%(msg)s") % {"msg": data.get("errorMsg") or data.get("errorCode")})
        return data.get("msgData") or {}

    def create_order(self, *, order_id: str, sender: dict, recipient: dict, pickup_start: datetime | None,
                     company_pays: bool, remark: str) -> str:
        """EXP_RECE_CREATE_ORDER: book a pickup; returns the waybill number. The carrier refuses a
        second order with the same ``orderId``, which is what makes a retried booking safe."""
        msg = {"language": "zh-CN", "orderId": order_id, "monthlyCard": self.account.monthly_card if company_pays else "",
               "payMethod": 1 if company_pays else 2, "expressTypeId": 1, "isReturnRoutelabel": 0,
               "contactInfoList": [{**_contact(sender), "contactType": 1}, {**_contact(recipient), "contactType": 2}],
               "cargoDetails": [{"name": _("维修设备"), "count": 1}], "remark": remark[:100]}
        if pickup_start is not None:
            msg["sendStartTm"] = timezone.localtime(pickup_start).strftime("%Y-%m-%d %H:%M:%S")
        data = self._call("EXP_RECE_CREATE_ORDER", msg)
        waybills = data.get("waybillNoInfoList") or []
        if not waybills or not waybills[0].get("waybillNo"):
            raise CarrierError(_("快递公司未返回运单号。"))
        return waybills[0]["waybillNo"]

    def label_pdf(self, *, waybill_no: str) -> bytes:
        """COM_RECE_CLOUD_PRINT_WAYBILLS: the printable label of a waybill."""
        data = self._call("COM_RECE_CLOUD_PRINT_WAYBILLS",
                          {"templateCode": "fm_150_standard", "version": "2.0", "fileType": "pdf",
                           "documents": [{"masterWaybillNo": waybill_no}]})
        files = data.get("files") or []
        if not files:
            raise CarrierError(_("快递公司未返回面单。"))
        try:
            return base64.b64decode(files[0]["content"])
        except (KeyError, ValueError) as exc:
            raise CarrierError(_("快递公司返回的面单无法读取。")) from exc

    def parse_push(self, *, form: dict[str, str]) -> list[RouteEvent]:
        """A route push: verify the digest with our check word, then read its events.
        Raises PushSignatureInvalid for anything the carrier did not sign."""
        msg_data, stamp, digest = form.get("msgData", ""), form.get("timestamp", ""), form.get("msgDigest", "")
        expected = msg_digest(msg_data, stamp, self.account.check_word)
        if not msg_data or not digest or not secrets.compare_digest(expected, digest):
            raise PushSignatureInvalid(_("物流推送签名无效。"))
        if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > 5 * 60 * 1000:
            raise PushSignatureInvalid(_("物流推送已过期。"))
        try:
            routes = json.loads(msg_data)["WaybillRoute"]
            return [RouteEvent(waybill_no=r["mailno"], op_code=str(r["opCode"]), description=r.get("remark", ""),
                               location=r.get("acceptAddress", ""),
                               occurred_at=_carrier_time(r["acceptTime"]))
                    for r in routes]
        except (KeyError, ValueError, TypeError) as exc:
            raise PushSignatureInvalid(_("物流推送格式错误。")) from exc
