"""WeChat web OAuth (网页授权, ``snsapi_base``): the payer's openid for a JSAPI payment.

Inside WeChat's in-app browser a JSAPI order needs the openid of the customer under the paying
official account. The page sends the browser to WeChat's authorize page, which returns silently
(``snsapi_base`` asks nothing) to our callback with a one-time ``code``; the server exchanges the
code for the openid at ``sns/oauth2/access_token``. The ``state`` round trip is bound to the
customer's session and ticket by the view, so a callback not started by this browser is refused.
Two plain HTTPS calls; the same code runs against the local stub (``stub/wechat.py``) in
development and tests.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.utils.translation import gettext as _

from .exceptions import GatewayError
from .keys import WeChatOAuthKeys

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def is_wechat_browser(user_agent: str) -> bool:
    """WeChat's in-app browser names itself ``MicroMessenger`` in its User-Agent."""
    return "MicroMessenger" in (user_agent or "")


def authorize_url(keys: WeChatOAuthKeys, *, redirect_uri: str, state: str) -> str:
    """The address of WeChat's silent authorization; the parameters in the documented order and the
    ``#wechat_redirect`` WeChat requires."""
    query = urlencode([("appid", keys.appid), ("redirect_uri", redirect_uri), ("response_type", "code"),
                       ("scope", "snsapi_base"), ("state", state)])
    return f"{keys.authorize_base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for_code(keys: WeChatOAuthKeys, *, code: str) -> str:
    """Exchange the one-time ``code`` for the user's openid. WeChat answers errors with HTTP 200 and
    an ``errcode`` (40029 invalid code, 40163 code already used). Raises GatewayError."""
    try:
        response = requests.get(f"{keys.api_base}/sns/oauth2/access_token", timeout=TIMEOUT_SECONDS, params={
            "appid": keys.appid, "secret": keys.secret, "code": code, "grant_type": "authorization_code"})
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("wechat oauth exchange failed: %s", exc)
        raise GatewayError(_("微信授权暂时不可用，请稍后重试或使用扫码支付。")) from exc
    if not isinstance(data, dict) or data.get("errcode") or not data.get("openid"):
        logger.warning("wechat oauth refused the code: %s", data)
        raise GatewayError(_("微信授权失败，请重新打开支付页面。"),
                           extra={"gateway_code": str(data.get("errcode", "")) if isinstance(data, dict) else ""})
    return str(data["openid"])
