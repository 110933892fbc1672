"""Inside WeChat's in-app browser the customer pays in place (JSAPI): a real browser with WeChat's
User-Agent against a real server process, the silent OAuth through the local stub, and a small
injected ``WeixinJSBridge`` that hands ``getBrandWCPayRequest`` to the stub, which stands in for
WeChat's cashier (it checks the paySign and sends the signed notification)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from repairs.payments.models import Payment
from tests.live import free_port, live_server

from .conftest import PAGE_SERVER_ENV, screenshot
from .test_payment import _paid_repair
from .test_progress import in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN")

# What WeChat injects into its pages, reduced to the one call a payment page makes; the stub
# gateway's endpoint plays WeChat's cashier and answers with WeChat's err_msg.
BRIDGE_SHIM = """
document.addEventListener("DOMContentLoaded", function () {
  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      window.__bridgeCalls = (window.__bridgeCalls || []).concat([name]);
      fetch("/_stub/wechatpay/bridge/" + name, {method: "POST", headers: {"Content-Type": "application/json"},
                                               body: JSON.stringify(params)})
        .then(function (r) { return r.json(); }).then(callback);
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
});
"""


@pytest.fixture
def wechat_phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", user_agent=WECHAT_UA)
    context.add_init_script(BRIDGE_SHIM)
    page = context.new_page()
    yield page
    context.close()


def test_in_wechat_the_customer_pays_in_place_with_jsapi(wechat_phone):
    from django.conf import settings

    phone = wechat_phone
    ticket = in_thread(_paid_repair)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**PAGE_SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": base}
    with live_server(port=port, env=env, timeout=180):
        phone.goto(f"{base}{ticket.get_tracking_url()}")
        expect(phone.locator("#payment-state")).to_have_text("待支付")
        phone.click("#pay-link")
        # the silent authorization went by: back on the pay page, WeChat Pay only (a browser keeps the
        # authorize address's "#wechat_redirect" through the redirects that follow it)
        phone.wait_for_url(re.compile(re.escape(f"{base}/t/{ticket.tracking_token}/pay/") + r"(#.*)?$"))
        expect(phone.locator("#pay-wechat")).to_have_attribute("value", "wechat_jsapi")
        assert phone.locator("#pay-alipay").count() == 0
        screenshot(phone, "payment-jsapi-1-choose")
        phone.click("#pay-wechat")

        # the page hands the signed parameters to the bridge at once; the stub's cashier accepts
        expect(phone.locator("#wechat-jsapi")).to_be_visible()
        screenshot(phone, "payment-jsapi-2-bridge")
        phone.wait_for_url(f"{base}{ticket.get_tracking_url()}", timeout=30_000)
        expect(phone.locator("#payment-state")).to_have_text("已支付", timeout=15_000)
        assert "微信支付（公众号）" in phone.inner_text("#payment-paid")
        phone.locator("#payment").scroll_into_view_if_needed()
        screenshot(phone, "payment-jsapi-3-paid")

    payment = Payment.objects.get(ticket=ticket)
    assert (payment.method, payment.status) == (Payment.Method.WECHAT_JSAPI, Payment.Status.PAID)
