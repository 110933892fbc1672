// Small helpers of the screens: escaping, formatting, toasts. The words are Django's JavaScript
// catalogue (/app/jsi18n/<language>/<version>/, loaded before the modules): gettext() and
// interpolate() are its globals, which `makemessages -d djangojs` extracts from.
if (typeof window.gettext !== "function") {
  // Only if the catalogue could not be loaded at all: the Chinese originals, never a blank screen.
  window.gettext = (text) => text;
  window.interpolate = (text, values, named) => (named
    ? text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""))
    : text.replace(/%s/g, () => String(values.shift())));
}

/** The language the shell was served in (Django's code: zh-hans or en); the API answers in it too. */
export const LANGUAGE = document.documentElement.dataset.lang || "zh-hans";

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESC[c]);

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function time(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function money(value) {
  return `¥${Number(value || 0).toFixed(2)}`;
}

export const REPAIR_LABELS = {
  diagnosing: gettext("检测中"), quoting: gettext("待报价"), awaiting_approval: gettext("待客户确认"), approved: gettext("客户已确认"),
  repairing: gettext("维修中"), awaiting_parts: gettext("等待备件"), qc: gettext("质检中"), passed: gettext("质检通过"),
  rework: gettext("返工"), declined: gettext("客户拒绝报价"), unrepairable: gettext("无法修复"),
};

// Each navigation (a tap on a link, a redraw of a list that follows the data) gets the next number,
// and a screen draws only while its navigation is the latest. A screen reads its data before it draws,
// from the cache or, on a weak signal, from the network for seconds; by then the technician may have
// moved on, and a late drawing would replace the form under their fingers.
let navigation = 0;

/** A new navigation: whatever screen is still loading for an earlier one will not draw. */
export function navigate() { return ++navigation; }

/** The navigation a screen belongs to: read it first thing, before the screen awaits anything. */
export function screenNavigation() { return navigation; }

/** Draws a screen's HTML into the view, unless the technician has navigated since; true if drawn. */
export function paint(nav, html) {
  if (nav !== navigation) return false;
  $("#view").innerHTML = html;
  return true;
}

let toastTimer = null;
export function toast(message, kind = "info") {
  let box = $("#toast");
  if (!box) {
    box = document.createElement("div");
    box.id = "toast";
    box.setAttribute("role", "status");
    document.body.append(box);
  }
  box.className = `toast ${kind}`;
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
}

/** A form's fields as an object (checkboxes as booleans, multiple values as lists). */
export function formData(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "checkbox") {
      if (el.dataset.list !== undefined) {
        out[el.name] = out[el.name] || [];
        if (el.checked) out[el.name].push(el.value);
      } else out[el.name] = el.checked;
    } else if (el.type !== "file" && el.type !== "submit" && el.type !== "button") out[el.name] = el.value.trim();
  }
  return out;
}
