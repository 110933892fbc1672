// The payment page: after a QR code is shown, or after WeChat's in-app cashier (JSAPI) says the
// customer paid, ask the server whether the money has arrived and go back to the progress page.
// The gateway's signed notification, not the page, is what marks the repair paid.
(function () {
  "use strict";

  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.paid) { window.location.assign(data.next); return; }
        window.setTimeout(function () { poll(url); }, 2000);
      })
      .catch(function () { window.setTimeout(function () { poll(url); }, 4000); });
  }

  var qr = document.getElementById("wechat-qr");
  if (qr) {
    window.setTimeout(function () { poll(qr.getAttribute("data-status-url")); }, 1500);
  }

  var jsapi = document.getElementById("wechat-jsapi");
  if (!jsapi) { return; }
  var params = JSON.parse(document.getElementById("jsapi-params").textContent);
  var note = document.getElementById("jsapi-note");
  var button = document.getElementById("jsapi-pay");
  var polling = false;

  function invoke() {
    if (typeof window.WeixinJSBridge === "undefined" || polling) { return; }
    button.disabled = true;
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      var outcome = (res && res.err_msg) || "";
      if (outcome === "get_brand_wcpay_request:ok") {
        polling = true;
        note.textContent = note.getAttribute("data-paid");
        poll(jsapi.getAttribute("data-status-url"));
        return;
      }
      button.disabled = false;
      note.textContent = note.getAttribute(outcome === "get_brand_wcpay_request:cancel" ? "data-cancelled" : "data-failed");
    });
  }

  button.addEventListener("click", invoke);
  // WeChat injects its bridge after the page loads and announces it with this event
  if (typeof window.WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", invoke, false);
  } else {
    invoke();
  }
}());
