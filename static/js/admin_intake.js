/* Phone intake (admin): as the agent types a phone number, look up the customer, their devices and their
   recent tickets, and fill the form from a picked match. Texts and URLs come from data attributes on
   #lookup-results so that the page carries no inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  var box = document.getElementById("lookup-results");
  var phone = document.getElementById("id_phone");
  if (!box || !phone) { return; }
  var text = function (name) { return box.getAttribute("data-" + name) || ""; };
  var el = function (tag, attrs, content) {
    var e = document.createElement(tag);
    Object.assign(e, attrs || {});
    if (content !== undefined) { e.textContent = content; }
    return e;
  };
  var setVal = function (id, v) { var f = document.getElementById(id); if (f && v) { f.value = v; } };

  function pickDevice(d) {
    document.getElementById("id_device").value = d.id;
    setVal("id_product_model", String(d.product_model_id));
    setVal("id_serial", d.serial);
    if (d.purchase_date) { setVal("id_purchase_date", d.purchase_date); }
    document.getElementById("picked-device").textContent = text("picked") + d.model + " · " + d.serial;
  }

  function render(data) {
    box.replaceChildren();
    if (!data.results.length) { box.append(el("p", {className: "help"}, text("none"))); return; }
    data.results.forEach(function (c) {
      var card = el("div", {className: "lookup-card"});
      var use = el("button", {type: "button", className: "button"}, text("choose"));
      var fillCustomer = function () {
        setVal("id_phone", c.phone); setVal("id_name", c.name); setVal("id_email", c.email);
        setVal("id_city", c.city); setVal("id_district", c.district); setVal("id_address", c.address);
      };
      use.addEventListener("click", fillCustomer);
      card.append(el("strong", {}, c.name + " " + c.phone + " "), el("span", {className: "help"}, c.tier + " " + c.city + " "), use);
      if (c.devices.length) {
        card.append(el("div", {className: "help"}, text("devices")));
        c.devices.forEach(function (d) {
          var b = el("button", {type: "button", className: "button"}, d.model + " · " + d.serial);
          b.addEventListener("click", function () { fillCustomer(); pickDevice(d); });
          card.append(b);
        });
      }
      if (c.tickets.length) {
        var t = el("table"), body = el("tbody");
        t.append(body);
        c.tickets.forEach(function (tk) {
          var tr = el("tr"), td = el("td");
          td.append(el("a", {href: text("ticket-url") + tk.id + "/change/", target: "_blank"}, tk.number));
          tr.append(td, el("td", {className: tk.is_open ? "open" : ""}, tk.status), el("td", {}, tk.category || tk.title), el("td", {}, tk.created_at));
          body.append(tr);
        });
        card.append(el("div", {className: "help"}, text("history")), t);
      }
      box.append(card);
    });
  }

  var timer = null, seq = 0;
  phone.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = phone.value.replace(/\D/g, "");
      if (q.length < 4) { return; }
      var mine = ++seq;
      fetch(box.getAttribute("data-url") + "?phone=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === seq) { render(data); } });
    }, 250);
  });
  if (phone.value) { phone.dispatchEvent(new Event("input")); }
})();
