// Small helpers of the screens: words (the djangojs catalogue), escaping, formatting, toasts.
export const t = (text) => (window.gettext ? window.gettext(text) : text);
export const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

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
  diagnosing: t("检测中"), quoting: t("待报价"), awaiting_approval: t("待客户确认"), approved: t("客户已确认"),
  repairing: t("维修中"), awaiting_parts: t("等待备件"), qc: t("质检中"), passed: t("质检通过"),
  rework: t("返工"), declined: t("客户拒绝报价"), unrepairable: t("无法修复"),
};

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
