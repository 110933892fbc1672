// Cascading 省/市/区 selects: choosing a province loads its cities, choosing a city its districts.
// Works on every form that renders selects with data-division-level="province|city|district"
// (the customer's /submit/ form and the admin forms); the options come from /address/divisions/.
(function () {
  "use strict";

  function sameForm(select, level) {
    var scope = select.form || document;
    var prefix = select.name.slice(0, select.name.lastIndexOf("pick_"));
    return scope.querySelector('select[data-division-level="' + level + '"][name="' + prefix + "pick_" + level + '"]');
  }

  function reset(select) {
    if (!select) return;
    while (select.options.length > 1) select.remove(1);
    select.value = "";
  }

  function load(select, param, code) {
    reset(select);
    if (!select || !code) return;
    var url = select.getAttribute("data-division-url") + "?" + param + "=" + encodeURIComponent(code);
    select.disabled = true;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { options: [] }; })
      .then(function (data) {
        data.options.forEach(function (option) { select.add(new Option(option.name, option.code)); });
      })
      .catch(function () { /* the typed city/district fields still work */ })
      .then(function () { select.disabled = false; });
  }

  function bind(select) {
    var level = select.getAttribute("data-division-level");
    if (level === "province") {
      select.addEventListener("change", function () {
        load(sameForm(select, "city"), "province", select.value);
        reset(sameForm(select, "district"));
      });
    } else if (level === "city") {
      select.addEventListener("change", function () {
        load(sameForm(select, "district"), "city", select.value);
      });
    }
  }

  function init() {
    document.querySelectorAll("select[data-division-level]").forEach(bind);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
