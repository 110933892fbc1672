"""WeChat Pay inside WeChat's own browser (JSAPI): the silent web OAuth (snsapi_base) for the payer's
openid with a state bound to the customer's session and ticket, the JSAPI prepay with payer.openid,
the bridge parameters signed for ``getBrandWCPayRequest``; and the local stub speaking each of those
steps as WeChat does. Outside WeChat the page keeps the QR code."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from repairs.payments.exceptions import GatewayError
from repairs.payments.keys import stub_keys, wechat_oauth_keys
from repairs.payments.models import Payment, PaymentNotification
from repairs.payments.oauth import authorize_url, openid_for_code
from tests.live import site_serving_media, wait_for

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN")
SAFARI_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.4 Mobile/15E148 Safari/604.1")
BRIDGE = "/_stub/wechatpay/bridge/getBrandWCPayRequest"


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _jsapi_params(html: str) -> dict:
    return json.loads(re.search(r'<script id="jsapi-params" type="application/json">(.*?)</script>', html,
                                re.S).group(1))


@pytest.mark.django_db
def test_in_wechat_the_page_starts_the_silent_oauth_and_binds_the_state(client, paid_repair, settings):
    settings.SITE_URL = "https://fw.example.cn"
    pay_url = f"/t/{paid_repair.ticket.tracking_token}/pay/"
    # outside WeChat: the choice of WeChat Pay (QR) and Alipay, no OAuth
    page = client.get(pay_url, HTTP_USER_AGENT=SAFARI_UA)
    assert page.status_code == 200
    assert 'value="wechat_native"' in page.content.decode()
    assert 'id="pay-alipay"' in page.content.decode()

    response = client.get(pay_url, HTTP_USER_AGENT=WECHAT_UA)
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith("https://fw.example.cn/_stub/wechat/connect/oauth2/authorize?appid=")
    assert target.endswith("#wechat_redirect")
    query = dict(parse_qsl(urlsplit(target).query))
    token = paid_repair.ticket.tracking_token
    assert query["appid"] == stub_keys()["wechat"]["appid"]
    assert query["redirect_uri"] == f"https://fw.example.cn/t/{token}/pay/wechat/"
    assert (query["response_type"], query["scope"]) == ("code", "snsapi_base")
    assert len(query["state"]) >= 32
    # the order of WeChat's documented parameters, which its authorize page insists on
    assert [k for k, _v in parse_qsl(urlsplit(target).query)] == ["appid", "redirect_uri", "response_type",
                                                                  "scope", "state"]

    # a return this browser did not start (another session, or a forged state) is refused, nothing kept
    other = client.__class__()
    refused = other.get(f"/t/{token}/pay/wechat/", {"code": "x", "state": query["state"]}, HTTP_USER_AGENT=WECHAT_UA)
    assert refused.status_code == 400
    assert "微信授权已失效" in refused.content.decode()
    refused = client.get(f"/t/{token}/pay/wechat/", {"code": "x", "state": "forged"}, HTTP_USER_AGENT=WECHAT_UA)
    assert refused.status_code == 400
    # the state is used up by any return: the genuine one after a forged try needs a fresh start
    refused = client.get(f"/t/{token}/pay/wechat/", {"code": "x", "state": query["state"]}, HTTP_USER_AGENT=WECHAT_UA)
    assert refused.status_code == 400
    assert "payments.wechat_openid" not in client.session
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_state_of_one_ticket_does_not_open_another(client, paid_repair, settings):
    from tests import factories

    settings.SITE_URL = "https://fw.example.cn"
    other = factories.TicketFactory()
    state = dict(parse_qsl(urlsplit(client.get(f"/t/{paid_repair.ticket.tracking_token}/pay/",
                                               HTTP_USER_AGENT=WECHAT_UA)["Location"]).query))["state"]
    refused = client.get(f"/t/{other.tracking_token}/pay/wechat/", {"code": "x", "state": state},
                         HTTP_USER_AGENT=WECHAT_UA)
    assert refused.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_whole_jsapi_payment_against_the_stub_over_http(settings, paid_repair):
    with site_serving_media(settings) as base:
        ticket = paid_repair.ticket
        pay_url = f"/t/{ticket.tracking_token}/pay/"
        keys = wechat_oauth_keys(base_url=base)

        # the stub's OAuth speaks WeChat's protocol: a code once, for the openid; errors as errcode
        with httpx.Client(timeout=30, follow_redirects=False) as other_phone:
            authorize = authorize_url(keys, redirect_uri=f"{base}/somewhere/", state="s1")
            back = other_phone.get(authorize.split("#", 1)[0])
            assert back.status_code == 302
            returned = dict(parse_qsl(urlsplit(back.headers["location"]).query))
            assert returned["state"] == "s1"
            openid = openid_for_code(keys, code=returned["code"])
            assert openid.startswith("o")
            assert len(openid) == 28
            with pytest.raises(GatewayError):
                openid_for_code(keys, code=returned["code"])  # 40163: a code is used once
            with pytest.raises(GatewayError):
                openid_for_code(keys, code="not-a-code")  # 40029
            # the same WeChat user has the same openid under this account
            again = other_phone.get(authorize.split("#", 1)[0])
            assert openid_for_code(keys, code=dict(parse_qsl(urlsplit(again.headers["location"]).query))["code"]) \
                == openid
            wrong = authorize.replace(f"appid={keys.appid}", "appid=wx-someone-else")
            assert other_phone.get(wrong.split("#", 1)[0]).status_code == 400

        with httpx.Client(base_url=base, headers={"User-Agent": WECHAT_UA}, timeout=60,
                          follow_redirects=False) as wechat:
            # 1. opened in WeChat: off to the silent authorization, back with a code, openid kept
            first = wechat.get(pay_url)
            assert first.status_code == 302
            authorize = first.headers["location"]
            assert authorize.endswith("#wechat_redirect")
            back = wechat.get(authorize.split("#", 1)[0])  # WeChat opens it, snsapi_base asks nothing
            callback = back.headers["location"]
            assert callback.startswith(f"{base}/t/{ticket.tracking_token}/pay/wechat/?code=")
            landed = wechat.get(callback)
            assert landed.status_code == 302
            assert landed.headers["location"] == pay_url
            assert wechat.get(callback).status_code == 400  # the state and the code are spent

            # 2. the page offers WeChat Pay in place (no Alipay inside WeChat), orders it with the openid
            page = wechat.get(pay_url)
            assert page.status_code == 200
            assert 'value="wechat_jsapi"' in page.text
            assert 'id="pay-alipay"' not in page.text
            ordered = wechat.post(pay_url, data={"csrfmiddlewaretoken": _csrf(page.text), "method": "wechat_jsapi"})
            assert ordered.status_code == 200, ordered.text[:500]
            params = _jsapi_params(ordered.text)
            assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
            assert params["signType"] == "RSA"
            assert params["package"].startswith("prepay_id=wx")
            assert 'id="wechat-qr"' not in ordered.text
            payment = Payment.objects.get(ticket=ticket)
            assert (payment.method, payment.status) == (Payment.Method.WECHAT_JSAPI, Payment.Status.PENDING)

            # 3. WeChat's cashier checks the merchant's paySign: a changed parameter is refused
            tampered = wechat.post(BRIDGE, json={**params, "timeStamp": str(int(params["timeStamp"]) + 1)})
            assert tampered.json() == {"err_msg": "get_brand_wcpay_request:fail"}
            cancelled = wechat.post(BRIDGE, json={**params, "cancel": True})
            assert cancelled.json() == {"err_msg": "get_brand_wcpay_request:cancel"}
            assert not wait_for(lambda: Payment.objects.get(pk=payment.pk).status != Payment.Status.PENDING,
                                seconds=2)
            paid = wechat.post(BRIDGE, json=params)
            assert paid.json() == {"err_msg": "get_brand_wcpay_request:ok"}

        # 4. the signed, encrypted notification settles it; the payer is the openid from the OAuth
        assert wait_for(lambda: Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID)
        payment.refresh_from_db()
        assert payment.payer.startswith("o")
        notice = PaymentNotification.objects.get(out_trade_no=payment.out_trade_no)
        assert notice.outcome == "paid"
        assert notice.payload["trade_type"] == "JSAPI"
        with httpx.Client(base_url=base, timeout=30) as web:
            assert web.get(f"{pay_url}status.json").json()["paid"] is True
