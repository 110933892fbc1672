// The technicians' app: routes, the header and the banner of what waits, sync and the service worker.
import { token } from "./api.js";
import * as db from "./db.js";
import { bus, flush, isOffline, pending, problems, sync } from "./outbox.js";
import * as screens from "./screens.js";
import { $, esc, navigate, screenNavigation, toast } from "./ui.js";
import * as work from "./work.js";

const routes = [
  [/^#\/login$/, () => screens.loginScreen()],
  [/^#\/jobs$/, () => screens.jobsScreen()],
  [/^#\/job\/(\d+)$/, (id) => screens.jobScreen(Number(id))],
  [/^#\/job\/(\d+)\/decline$/, (id) => screens.declineScreen(Number(id))],
  [/^#\/job\/(\d+)\/diagnose$/, (id) => work.diagnoseScreen(Number(id))],
  [/^#\/job\/(\d+)\/quote$/, (id) => work.quoteScreen(Number(id))],
  [/^#\/job\/(\d+)\/sign\/(quote|handback)$/, (id, what) => work.signScreen(Number(id), what)],
  [/^#\/job\/(\d+)\/repair$/, (id) => work.repairScreen(Number(id))],
  [/^#\/job\/(\d+)\/scan\/(\d+)\/(\d+)$/, (id, line, part) => work.scanScreen(Number(id), line, part)],
  [/^#\/problems$/, () => screens.problemsScreen()],
  [/^#\/outbox$/, () => screens.outboxScreen()],
  [/^#\/qc$/, () => screens.qcScreen()],
  [/^#\/qc\/(\d+)$/, (id) => screens.qcDetailScreen(Number(id))],
];

let current = "";
let rerenderTimer = null;

async function route() {
  const hash = location.hash || "#/jobs";
  if (!token.get() && hash !== "#/login") { location.hash = "#/login"; return; }
  current = hash;
  // A redraw that was due for the screen being left is dropped with it.
  clearTimeout(rerenderTimer);
  const nav = navigate();
  await header();
  if (nav !== screenNavigation()) return;
  for (const [pattern, show] of routes) {
    const match = hash.match(pattern);
    if (match) {
      try { await show(...match.slice(1)); } catch (err) { console.error(err); toast(err.message, "error"); }
      if (nav === screenNavigation()) {
        document.body.dataset.screen = hash.split("/").slice(1).filter((p) => !/^\d+$/.test(p)).join("-") || "jobs";
      }
      return;
    }
  }
  location.hash = "#/jobs";
}

async function header() {
  const user = token.get() ? await db.kv.get("me") : null;
  const bar = $("#bar");
  if (!user) { bar.innerHTML = `<span class="title">${esc(gettext("售后工单·工程师"))}</span>`; return; }
  const tabs = [];
  if (user.technician) tabs.push(`<a href="#/jobs">${esc(gettext("工单"))}</a>`);
  if (user.is_qc_inspector) tabs.push(`<a href="#/qc">${esc(gettext("质检"))}</a>`);
  bar.innerHTML = `<span class="title">${esc(gettext("售后工单"))}</span><nav>${tabs.join("")}</nav>
    <button class="link" id="logout">${esc(gettext("退出"))}</button>`;
  $("#logout").addEventListener("click", () => { if (confirm(gettext("确定退出登录？未发送的操作会丢失。"))) screens.logout(); });
}

/** The banner: offline, what waits to be sent, what the server sent back. */
async function banner() {
  const box = $("#banner");
  if (!token.get()) { box.hidden = true; return; }
  const waiting = (await pending()).length;
  const refused = (await problems()).length;
  const parts = [];
  if (isOffline()) parts.push(`<span class="off">${esc(gettext("离线"))}</span>`);
  if (waiting) parts.push(`<a href="#/outbox">${esc(interpolate(gettext("%(n)s 项操作待发送"), { n: waiting }, true))}</a>`);
  if (refused) parts.push(`<a href="#/problems" class="bad">${esc(interpolate(gettext("%(n)s 项操作被退回，点此查看"), { n: refused }, true))}</a>`);
  box.innerHTML = parts.join(" · ");
  box.hidden = !parts.length;
  box.dataset.waiting = String(waiting);
  box.dataset.refused = String(refused);
}

function rerender() {
  // Lists and the job page follow the data; forms are not redrawn under the technician's fingers.
  // The redraw waits for a burst of changes to settle, and only the screen it was due for is redrawn:
  // a tap may have opened a form meanwhile (its hashchange can even be still on its way).
  const due = location.hash;
  if (/^#\/(jobs|job\/\d+|outbox|problems)$/.test(due) && due === current) {
    clearTimeout(rerenderTimer);
    rerenderTimer = setTimeout(() => { if (location.hash === due && current === due) route(); }, 50);
  }
}

bus.addEventListener("outbox", banner);
bus.addEventListener("network", () => { banner(); if (!isOffline()) backgroundSync(); });
bus.addEventListener("problem", () => { banner(); toast(gettext("有操作被服务器退回，请查看。"), "error"); });
bus.addEventListener("jobs", rerender);
bus.addEventListener("unauthorized", () => {
  token.clear();
  toast(gettext("登录已过期，请重新登录；未发送的操作已保留。"), "error");
  location.hash = "#/login";
});

async function backgroundSync() {
  if (!token.get()) return;
  try {
    await flush();
    await sync();
  } catch { /* offline: the cache stands */ }
  banner();
}

// The language switch under the screen: Django's language cookie, then the shell in that language.
for (const button of document.querySelectorAll("[data-lang-switch]")) {
  button.addEventListener("click", () => {
    document.cookie = `django_language=${button.dataset.langSwitch}; path=/; max-age=31536000; samesite=lax`;
    location.reload();
  });
}

window.addEventListener("hashchange", route);
window.addEventListener("techapp:login", () => backgroundSync());

async function start() {
  const script = document.getElementById("app-script");
  if ("serviceWorker" in navigator && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/app/" }).catch(() => { /* the app works without */ });
  }
  await route();
  await banner();
  backgroundSync();
  setInterval(backgroundSync, 60000);
  document.body.dataset.ready = "1";
}

start();
