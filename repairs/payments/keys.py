"""Key material for the gateways: the configured production keys, or the stub's own test keys.

With ``PAYMENTS_BACKEND = "stub"`` the keys of both sides (our merchant keys and the gateway's
platform keys) are generated at first use into ``PAYMENTS_STUB_KEYS_FILE``, an untracked file, so
every signature and every encryption of the protocol is real while no real key exists in the repo.
Several processes (web, worker, a test's live server) may start at once: a file lock makes the
first one generate and the others read the same keys.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings


@dataclass(frozen=True)
class WeChatKeys:
    mchid: str
    appid: str
    cert_serial_no: str
    private_key: str  # merchant API key (PEM, PKCS#8)
    apiv3_key: str  # 32 characters, the AES-256-GCM key of notifications
    public_key: str  # the platform's public key (PEM)
    public_key_id: str
    gateway: str


@dataclass(frozen=True)
class WeChatOAuthKeys:
    """The official account's web OAuth (网页授权) that yields the payer's openid for JSAPI."""

    appid: str
    secret: str
    authorize_base: str  # https://open.weixin.qq.com (the page the customer's WeChat opens)
    api_base: str  # https://api.weixin.qq.com (where the code is exchanged, server to server)


@dataclass(frozen=True)
class AlipayKeys:
    appid: str
    app_private_key: str
    alipay_public_key: str
    gateway: str


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _generate() -> dict:
    merchant_private, merchant_public = _pem_pair()
    platform_private, platform_public = _pem_pair()
    app_private, app_public = _pem_pair()
    ali_private, ali_public = _pem_pair()
    return {
        "wechat": {
            "mchid": "1900000109", "appid": "wxstub0000000001",
            "cert_serial_no": secrets.token_hex(20).upper(),
            "merchant_private_key": merchant_private, "merchant_public_key": merchant_public,
            "apiv3_key": secrets.token_urlsafe(24)[:32],
            "platform_private_key": platform_private, "platform_public_key": platform_public,
            "public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
        },
        "alipay": {
            "appid": "2021000000000001",
            "app_private_key": app_private, "app_public_key": app_public,
            "alipay_private_key": ali_private, "alipay_public_key": ali_public,
        },
    }


@cache
def _stub_file(path: str) -> dict:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and target.stat().st_size:
            return json.loads(target.read_text())
        data = _generate()
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        return data


def stub_keys() -> dict:
    """Both sides' keys of the local stub gateways (generated at first use)."""
    return _stub_file(settings.PAYMENTS_STUB_KEYS_FILE)


def online_methods() -> set[str]:
    """The gateways the shop has an account with: both in development, in production those with keys."""
    if is_stub():
        return {"wechat", "alipay"}
    enabled = set()
    if settings.WECHATPAY.get("MCHID"):
        enabled.add("wechat")
    if settings.ALIPAY.get("APPID"):
        enabled.add("alipay")
    return enabled


def is_stub() -> bool:
    return settings.PAYMENTS_BACKEND == "stub"


def wechat_keys(*, base_url: str) -> WeChatKeys:
    if is_stub():
        w = stub_keys()["wechat"]
        return WeChatKeys(mchid=w["mchid"], appid=w["appid"], cert_serial_no=w["cert_serial_no"],
                          private_key=w["merchant_private_key"], apiv3_key=w["apiv3_key"],
                          public_key=w["platform_public_key"], public_key_id=w["public_key_id"],
                          gateway=f"{base_url}/_stub/wechatpay")
    c = settings.WECHATPAY
    return WeChatKeys(mchid=c["MCHID"], appid=c["APPID"], cert_serial_no=c["CERT_SERIAL_NO"],
                      private_key=c["PRIVATE_KEY"], apiv3_key=c["APIV3_KEY"], public_key=c["PUBLIC_KEY"],
                      public_key_id=c["PUBLIC_KEY_ID"], gateway=c["GATEWAY"].rstrip("/"))


def stub_oauth_secret() -> str:
    """The stub official account's AppSecret, derived from the stub's keys (no new key to store)."""
    w = stub_keys()["wechat"]
    return hashlib.sha256(f"oauth:{w['apiv3_key']}".encode()).hexdigest()[:32]


def wechat_oauth_keys(*, base_url: str) -> WeChatOAuthKeys | None:
    """The OAuth keys for JSAPI payment, or None where the shop has not configured them (WeChat
    users then pay by the QR code)."""
    if is_stub():
        return WeChatOAuthKeys(appid=stub_keys()["wechat"]["appid"], secret=stub_oauth_secret(),
                               authorize_base=f"{base_url}/_stub/wechat", api_base=f"{base_url}/_stub/wechat")
    c = settings.WECHATPAY
    if not (c.get("MCHID") and c.get("APPID") and c.get("APP_SECRET")):
        return None
    return WeChatOAuthKeys(appid=c["APPID"], secret=c["APP_SECRET"], authorize_base=c["OAUTH_BASE"].rstrip("/"),
                           api_base=c["API_BASE"].rstrip("/"))


def alipay_keys(*, base_url: str) -> AlipayKeys:
    if is_stub():
        a = stub_keys()["alipay"]
        return AlipayKeys(appid=a["appid"], app_private_key=a["app_private_key"],
                          alipay_public_key=a["alipay_public_key"], gateway=f"{base_url}/_stub/alipay/gateway.do")
    c = settings.ALIPAY
    return AlipayKeys(appid=c["APPID"], app_private_key=c["APP_PRIVATE_KEY"],
                      alipay_public_key=c["ALIPAY_PUBLIC_KEY"], gateway=c["GATEWAY"])
