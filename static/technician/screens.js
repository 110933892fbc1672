// Login, today's jobs, one job, decline, the problems the server sent back, and QC for inspectors.
import { NetworkError, call, getJson, token, uuid } from "./api.js";
import * as db from "./db.js";
import { enqueue, isOffline, jobGet, jobLocal, jobRefresh, jobsAll, pending, problemDismiss, problems, sync } from "./outbox.js";
import { $, REPAIR_LABELS, esc, formData, money, paint, screenNavigation, time, toast } from "./ui.js";
import { STAGE_TEXT, stage } from "./work.js";
import { position } from "./media.js";

/** Draws the screen at the top of the page, unless the technician has navigated since ``nav``. */
function render(nav, html) {
  if (!paint(nav, html)) return false;
  window.scrollTo(0, 0);
  return true;
}

export async function me() { return db.kv.get("me"); }

// ---------------------------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------------------------

export function loginScreen() {
  const nav = screenNavigation();
  const ua = navigator.userAgent;
  const device = /MicroMessenger/i.test(ua) ? gettext("微信内置浏览器") : /Android/i.test(ua) ? gettext("安卓手机") : gettext("手机浏览器");
  if (!render(nav, `
    <form class="card login" id="login">
      <h1>${esc(gettext("工程师登录"))}</h1>
      <label>${esc(gettext("用户名"))}<input name="username" autocomplete="username" required></label>
      <label>${esc(gettext("密码"))}<input name="password" type="password" autocomplete="current-password" required></label>
      <label>${esc(gettext("本机名称"))}<input name="device" value="${esc(device)}" maxlength="60"></label>
      <button class="primary" type="submit">${esc(gettext("登录"))}</button>
      <p class="hint">${esc(gettext("每台手机单独登录；手机丢失时可在任意设备上退出全部设备。"))}</p>
    </form>`)) return;
  $("#login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = formData(event.target);
    try {
      const body = await call("POST", "auth/login/", { json: data, auth: false });
      await db.wipe();
      token.set(body.token);
      await db.kv.set("me", body.user);
      window.dispatchEvent(new Event("techapp:login"));
      location.hash = body.user.technician ? "#/jobs" : "#/qc";
    } catch (err) {
      toast(err instanceof NetworkError ? gettext("没有网络，登录需要联网。") : err.message, "error");
    }
  });
}

export async function logout() {
  try { await call("POST", "auth/logout/"); } catch { /* the token is dropped anyway */ }
  token.clear();
  await db.wipe();
  location.hash = "#/login";
}

// ---------------------------------------------------------------------------------------------
// Today's jobs
// ---------------------------------------------------------------------------------------------

const STATUS_RANK = { in_progress: 0, waiting_parts: 1, waiting_customer: 2, assigned: 3, quality_check: 4, ready: 5 };
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
const OPEN = new Set(["assigned", "in_progress", "waiting_customer", "waiting_parts", "quality_check", "ready", "reopened"]);

/** The phone's date as the server writes it (YYYY-MM-DD). */
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Today's planned stops by job id (a route of another day, fetched before midnight, is not today's). */
export async function todaysRoute() {
  const route = await db.kv.get("route");
  if (!route || route.date !== today()) return { route: null, stops: new Map() };
  return { route, stops: new Map(route.stops.map((stop, i) => [stop.ticket, { ...stop, position: i + 1 }])) };
}

/** Route order first (the server's plan), then state, priority and age for jobs without a visit today. */
export function jobOrder(stops) {
  return (a, b) => {
    const pa = stops.get(a.id)?.position ?? 1e9;
    const pb = stops.get(b.id)?.position ?? 1e9;
    if (pa !== pb) return pa - pb;
    const ra = a.row || {};
    const rb = b.row || {};
    return (STATUS_RANK[ra.status] ?? 9) - (STATUS_RANK[rb.status] ?? 9)
      || (PRIORITY_RANK[ra.priority] ?? 5) - (PRIORITY_RANK[rb.priority] ?? 5)
      || String(ra.created_at).localeCompare(String(rb.created_at));
  };
}

function slaText(row) {
  if (row.sla_seconds_left == null) return "";
  const h = Math.round(row.sla_seconds_left / 360) / 10;
  return h < 0 ? interpolate(gettext("已超时 %(h)s 小时"), { h: -h }, true) : interpolate(gettext("剩余 %(h)s 小时"), { h }, true);
}

const hhmm = (iso) => time(iso).slice(6);

function stopHtml(stop) {
  const leg = stop.position === 1 ? gettext("从网点出发") : gettext("从上一站出发");
  return `<div class="leg" data-leg="${stop.ticket}">${esc(interpolate(gettext("%(from)s · 路程 %(min)s 分钟 · %(km)s 公里"),
    { from: leg, min: stop.travel_minutes, km: Number(stop.km).toFixed(1) }, true))}</div>`;
}

function etaHtml(stop) {
  return `<div class="eta"><b>${esc(interpolate(gettext("第 %(n)s 站"), { n: stop.position }, true))}</b>
    <span data-arrival>${esc(interpolate(gettext("预计 %(t)s 到达"), { t: hhmm(stop.arrival) }, true))}</span>
    <span class="muted small">${esc(interpolate(gettext("约定 %(a)s–%(b)s"), { a: hhmm(stop.window_start), b: hhmm(stop.window_end) }, true))}</span>
    ${stop.late ? `<span class="pill late">${esc(gettext("可能迟到"))}</span>` : ""}</div>`;
}

function jobCard(job, stop) {
  const row = job.row;
  const s = stage(job);
  const card = `<a class="card job" href="#/job/${row.id}" data-job="${row.id}">
      <div class="row"><b>${esc(row.number)}</b><span class="pill ${esc(s)}">${esc(STAGE_TEXT[s] || row.status_label)}</span></div>
      ${stop ? etaHtml(stop) : ""}
      <div class="title">${esc(row.title)}</div>
      <div class="muted">${esc(row.customer_name)} · ${esc(row.district || row.city || "")} ${esc(row.address || "")}</div>
      <div class="muted small">${esc(row.product_model || "")} ${esc(slaText(row))}</div>
    </a>`;
  if (!stop) return card;
  return `<div class="stop" data-stop="${row.id}">${stopHtml(stop)}${card}${navButton(stop)}</div>`;
}

/** A stop whose job is not (yet) in this phone's cache still has its place in the day. */
function bareStop(stop) {
  return `<div class="stop" data-stop="${stop.ticket}">${stopHtml(stop)}
    <a class="card job" href="#/job/${stop.ticket}" data-job="${stop.ticket}"><div class="row"><b>${esc(stop.number)}</b></div>
      ${etaHtml(stop)}<div class="muted">${esc(stop.address || "")}</div></a>${navButton(stop)}</div>`;
}

function navButton(stop) {
  const [, , href] = navLinks(stop)[0];
  return `<a class="button ghost small navigate" data-nav-stop="${stop.ticket}" href="${esc(href)}" target="_blank"
    rel="noopener">${esc(gettext("导航"))}</a>`;
}

function routeSummary(route, count) {
  if (!route || !route.stops.length) return "";
  const parts = [interpolate(gettext("今日路线 %(n)s 站 · 路上约 %(min)s 分钟 · %(km)s 公里"),
    { n: count, min: route.travel_minutes, km: Number(route.distance_km).toFixed(1) }, true)];
  if (!route.feasible) parts.push(gettext("有约定时段可能赶不上，请联系调度。"));
  const at = route.planned_at ? interpolate(gettext("路线规划于 %(t)s"), { t: hhmm(route.planned_at) }, true) : "";
  const fetched = isOffline() ? interpolate(gettext("离线，显示 %(t)s 获取的路线"), { t: hhmm(new Date(route.fetchedAt).toISOString()) }, true) : "";
  return `<section class="route card" id="route">${parts.map((p) => `<p>${esc(p)}</p>`).join("")}
    <p class="muted small">${esc([at, fetched].filter(Boolean).join(" · "))}</p></section>`;
}

export async function jobsScreen() {
  const nav = screenNavigation();
  const user = await me();
  const cached = await jobsAll();
  const jobs = cached.filter((j) => j.row && OPEN.has((j.local && j.local.status) || j.row.status));
  const { route, stops } = await todaysRoute();
  jobs.sort(jobOrder(stops));
  const known = new Set(cached.map((j) => j.id));
  const synced = await db.kv.get("syncedAt");
  // Stops in driving order, each with its job (or what the route knows of it), then the jobs without a visit today.
  const routed = [...stops.values()].map((stop) => {
    const job = jobs.find((j) => j.id === stop.ticket);
    if (job) return jobCard(job, stop);
    // A job this phone has declined or finished leaves the day; one it has not fetched yet stays.
    return known.has(stop.ticket) ? "" : bareStop(stop);
  });
  const rest = jobs.filter((j) => !stops.has(j.id)).map((job) => jobCard(job, null));
  const count = routed.filter(Boolean).length + rest.length;
  if (!render(nav, `
    <div class="toolbar"><span>${esc(interpolate(gettext("%(name)s，今天 %(n)s 个工单"), { name: user?.full_name || user?.username || "", n: count }, true))}</span>
      <button id="sync" class="small">${esc(gettext("刷新"))}</button></div>
    ${routeSummary(route, routed.filter(Boolean).length)}
    ${routed.join("")}${rest.length && routed.some(Boolean) ? `<h3>${esc(gettext("其他工单"))}</h3>` : ""}${rest.join("")}
    ${count ? "" : `<p class="empty">${esc(gettext("今天没有待处理的工单。"))}</p>`}
    <p class="muted small center">${synced ? esc(interpolate(gettext("上次同步 %(t)s"), { t: time(new Date(synced).toISOString()) }, true)) : ""}</p>`)) return;
  $("#sync").addEventListener("click", async () => {
    try { await sync(); toast(gettext("已同步")); } catch (err) { toast(err instanceof NetworkError ? gettext("离线中，显示的是缓存。") : err.message, "error"); }
  });
}

// ---------------------------------------------------------------------------------------------
// One job
// ---------------------------------------------------------------------------------------------

/** Navigation links: AMap, Baidu and Tencent maps' URI schemes (open the app, or their web page). */
export function navLinks(row) {
  const name = encodeURIComponent(row.address || row.title || "");
  const addr = encodeURIComponent(`${row.city || ""}${row.district || ""}${row.address || ""}`);
  const src = "shouhou";
  if (row.latitude != null && row.longitude != null) {
    const lat = row.latitude;
    const lng = row.longitude;
    return [
      ["amap", gettext("高德地图"), `https://uri.amap.com/navigation?to=${lng},${lat},${name}&mode=car&src=${src}&callnative=1`],
      ["baidu", gettext("百度地图"), `https://api.map.baidu.com/direction?destination=latlng:${lat},${lng}|name:${name}&mode=driving&coord_type=gcj02&output=html&src=${src}`],
      ["tencent", gettext("腾讯地图"), `https://apis.map.qq.com/uri/v1/routeplan?type=drive&to=${name}&tocoord=${lat},${lng}&referer=${src}`],
    ];
  }
  return [
    ["amap", gettext("高德地图"), `https://uri.amap.com/search?keyword=${addr}&src=${src}&callnative=1`],
    ["baidu", gettext("百度地图"), `https://api.map.baidu.com/geocoder?address=${addr}&output=html&src=${src}`],
    ["tencent", gettext("腾讯地图"), `https://apis.map.qq.com/uri/v1/search?keyword=${addr}&referer=${src}`],
  ];
}

function maskPhone(phone) {
  return phone.includes("*") ? phone : phone.replace(/^(\d{3})\d{4}(\d{4})$/, "$1****$2");
}

function maskName(name) {
  if (!name) return "";
  return name.length <= 1 ? name : name[0] + "*".repeat(Math.min(2, name.length - 1));
}

function actionsFor(job, s) {
  const id = job.id;
  const button = (act, label, cls = "primary") => `<button class="${cls}" data-act="${act}">${esc(label)}</button>`;
  const link = (href, label, cls = "button primary") => `<a class="${cls}" href="${href}">${esc(label)}</a>`;
  switch (s) {
    case "offer": return button("accept", gettext("接单")) + link(`#/job/${id}/decline`, gettext("拒单"), "button ghost");
    case "depart": return button("depart", gettext("出发"));
    case "arrive": return button("check-in", gettext("到达签到（GPS）"));
    case "open": return button("open", gettext("开始检测"));
    case "diagnose": return link(`#/job/${id}/diagnose`, gettext("填写检测结果"));
    case "quote": return link(`#/job/${id}/quote`, gettext("报价"));
    case "approval": return `<p class="muted">${esc(gettext("报价已发给客户，等待确认；客户在现场可直接手机签字。"))}</p>`
      + link(`#/job/${id}/sign/quote`, gettext("客户现场签字确认")) + button("refresh", gettext("刷新状态"), "ghost");
    case "start": return button("start", gettext("开始维修"));
    case "repair": return link(`#/job/${id}/repair`, gettext("维修与换件"));
    case "parts": return button("parts-arrived", gettext("备件已到，继续维修"));
    case "qc": return `<p class="muted">${esc(gettext("已提交质检，等待质检员检验。"))}</p>` + button("refresh", gettext("刷新状态"), "ghost");
    case "handback": return link(`#/job/${id}/sign/handback`, gettext("交机，客户签字"));
    case "done": return `<p class="ok">${esc(gettext("工单已完成。"))}</p>`;
    default: return "";
  }
}

export async function jobScreen(id) {
  const nav = screenNavigation();
  let job = await jobGet(id);
  if (!job || !job.detail) {
    try { job = await jobRefresh(id); } catch (err) {
      render(nav, `<p class="empty">${esc(err instanceof NetworkError ? gettext("离线中，这个工单还没有缓存。") : err.message)}</p>`);
      return;
    }
  }
  const d = job.detail;
  const s = stage(job);
  const customer = d.customer || {};
  const phone = customer.phone || "";
  const ro = (job.local && job.local.ro) || (d.repair_order && d.repair_order.status);
  const history = (d.history || []).map((h) => `<li>${esc(time(h.created_at))} ${esc(h.title)} <span class="muted">${esc(h.status_label)}</span>${h.resolution ? `<br><small>${esc(h.resolution)}</small>` : ""}</li>`).join("");
  const events = (d.events || []).slice(-6).reverse().map((e) => `<li>${esc(time(e.created_at))} ${esc(e.message || e.kind)}</li>`).join("");
  const device = d.device;
  if (!render(nav, `
    <a class="back" href="#/jobs">‹ ${esc(gettext("今日工单"))}</a>
    <section class="card">
      <div class="row"><b>${esc(d.number)}</b><span class="pill ${esc(s)}">${esc(STAGE_TEXT[s] || d.status_label)}</span></div>
      <h2>${esc(d.title)}</h2>
      <p>${esc(d.description || "")}</p>
      ${ro ? `<p class="muted">${esc(gettext("维修单"))}：${esc(REPAIR_LABELS[ro] || ro)}</p>` : ""}
      <div class="actions" id="actions">${actionsFor(job, s)}</div>
    </section>
    <section class="card">
      <h3>${esc(gettext("客户"))}</h3>
      <p>${esc(maskName(customer.name || d.customer_name))}${customer.is_vip ? ` <span class="pill vip">VIP</span>` : ""}
        ${phone ? ` · ${esc(maskPhone(phone))} <a class="button ghost small" href="tel:${esc(phone)}">${esc(gettext("拨打"))}</a>` : ""}</p>
      <p>${esc(d.city || "")}${esc(d.district || "")} ${esc(d.address || "")}</p>
      <div class="nav">${navLinks(d).map(([key, label, href]) => `<a class="button ghost small" data-nav="${key}" href="${esc(href)}" target="_blank" rel="noopener">${esc(label)}</a>`).join("")}</div>
    </section>
    <section class="card">
      <h3>${esc(gettext("设备"))}</h3>
      ${device ? `<p>${esc(device.product_model)} · ${esc(gettext("序列号"))} ${esc(device.serial_number)}</p>
        <p class="muted">${esc(gettext("购买日期"))} ${esc(device.purchase_date || "—")}</p>` : `<p>${esc(d.product_model || "")}</p>`}
      ${d.price_min != null ? `<p class="muted">${esc(gettext("预估价格"))} ${esc(money(d.price_min))} – ${esc(money(d.price_max))}</p>` : ""}
      <h4>${esc(gettext("维修历史"))}</h4>
      ${history ? `<ul class="list">${history}</ul>` : `<p class="muted">${esc(gettext("无"))}</p>`}
    </section>
    <section class="card"><h3>${esc(gettext("进度"))}</h3><ul class="list">${events}</ul></section>`)) return;
  $("#actions").addEventListener("click", (event) => {
    const el = event.target.closest("[data-act]");
    if (el) jobAction(job, el.dataset.act).catch((err) => toast(err.message, "error"));
  });
}

async function jobAction(job, act) {
  const id = job.id;
  const base = `jobs/${id}/`;
  if (act === "refresh") {
    try { await jobRefresh(id); } catch (err) { toast(err instanceof NetworkError ? gettext("离线中。") : err.message, "error"); }
    return;
  }
  if (act === "accept") {
    await enqueue({ jobId: id, label: gettext("接单"), path: `${base}accept/` });
    await jobLocal(id, { accepted: true });
  } else if (act === "depart") {
    await enqueue({ jobId: id, label: gettext("出发"), path: `${base}depart/`, json: {} });
    await jobLocal(id, { departed: true });
  } else if (act === "check-in") {
    let pos;
    try { pos = await position(); } catch {
      toast(gettext("无法获取定位，请在设置中允许本应用使用位置信息。"), "error");
      return;
    }
    await enqueue({ jobId: id, label: gettext("到达签到"), path: `${base}check-in/`, json: pos });
    await jobLocal(id, { checkedIn: true });
  } else if (act === "open") {
    await enqueue({ jobId: id, label: gettext("开始检测"), path: `${base}repair/open/`, json: { uuid: uuid() } });
    await jobLocal(id, { ro: "diagnosing", status: "in_progress" });
  } else if (act === "start") {
    await enqueue({ jobId: id, label: gettext("开始维修"), path: `${base}repair/start/` });
    await jobLocal(id, { ro: "repairing" });
  } else if (act === "parts-arrived") {
    await enqueue({ jobId: id, label: gettext("备件已到"), path: `${base}repair/parts-arrived/` });
    await jobLocal(id, { ro: "repairing" });
  }
  toast(isOffline() ? gettext("已保存，联网后自动发送。") : gettext("已提交。"));
}

export async function declineScreen(id) {
  const nav = screenNavigation();
  const reasons = [gettext("时间冲突"), gettext("距离太远"), gettext("缺少相应技能"), gettext("缺少备件"), gettext("身体不适")];
  if (!render(nav, `
    <a class="back" href="#/job/${id}">‹ ${esc(gettext("返回"))}</a>
    <form class="card" id="decline">
      <h2>${esc(gettext("拒单原因"))}</h2>
      ${reasons.map((r, i) => `<label class="check"><input type="radio" name="preset" value="${esc(r)}" ${i === 0 ? "checked" : ""}> ${esc(r)}</label>`).join("")}
      <label>${esc(gettext("补充说明"))}<textarea name="note" maxlength="250" rows="3"></textarea></label>
      <button class="danger" type="submit">${esc(gettext("确认拒单"))}</button>
    </form>`)) return;
  $("#decline").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const preset = form.querySelector("input[name=preset]:checked")?.value || "";
    const reason = [preset, form.note.value.trim()].filter(Boolean).join("：");
    await enqueue({ jobId: id, label: gettext("拒单"), path: `jobs/${id}/decline/`, json: { reason }, after: "declined" });
    await jobLocal(id, { status: "declined" });
    toast(gettext("已拒单，工单将改派他人。"));
    location.hash = "#/jobs";
  });
}

// ---------------------------------------------------------------------------------------------
// What the server sent back
// ---------------------------------------------------------------------------------------------

export function problemText(p) {
  const lines = [interpolate(gettext("“%(label)s”没有完成：%(message)s"), { label: p.label, message: p.message }, true)];
  if (p.status === 409) lines.push(gettext("这个工单在服务器上已经有了变化（可能是别人或客户刚刚操作过）。"));
  const c = p.current;
  if (c) {
    const ro = c.repair_order ? interpolate(gettext("，维修单：%(s)s"), { s: REPAIR_LABELS[c.repair_order.status] || c.repair_order.status }, true) : "";
    lines.push(interpolate(gettext("服务器上的当前状态：%(state)s%(ro)s。"), { state: c.status_label || c.status, ro }, true));
  }
  if (p.held && p.held.length) lines.push(interpolate(gettext("随后的操作没有发送：%(list)s。请按当前状态重新操作。"), { list: p.held.join("、") }, true));
  return lines;
}

export async function problemsScreen() {
  const nav = screenNavigation();
  const list = await problems();
  if (!render(nav, `
    <a class="back" href="#/jobs">‹ ${esc(gettext("今日工单"))}</a>
    <h2>${esc(gettext("被退回的操作"))}</h2><div id="problems">
    ${list.map((p) => `<section class="card problem">
      <div class="row"><b><a href="#/job/${p.jobId}">${esc(gettext("工单"))} #${p.jobId}</a></b><span class="muted small">${esc(time(new Date(p.at).toISOString()))}</span></div>
      ${problemText(p).map((line) => `<p>${esc(line)}</p>`).join("")}
      <button class="ghost small" data-dismiss="${p.seq}">${esc(gettext("知道了"))}</button></section>`).join("")
      || `<p class="empty">${esc(gettext("没有被退回的操作。"))}</p>`}</div>`)) return;
  $("#problems").addEventListener("click", async (event) => {
    const el = event.target.closest("[data-dismiss]");
    if (el) { await problemDismiss(Number(el.dataset.dismiss)); problemsScreen(); }
  });
}

export async function outboxScreen() {
  const nav = screenNavigation();
  const list = (await pending()).sort((a, b) => a.seq - b.seq);
  render(nav, `
    <a class="back" href="#/jobs">‹ ${esc(gettext("今日工单"))}</a>
    <h2>${esc(gettext("待发送的操作"))}</h2>
    <ol class="card list">${list.map((a) => `<li>${esc(gettext("工单"))} #${a.jobId} · ${esc(a.label)} <span class="muted small">${esc(time(new Date(a.createdAt).toISOString()))}${a.attempts ? ` · ${esc(interpolate(gettext("已重试 %(n)s 次"), { n: a.attempts }, true))}` : ""}</span></li>`).join("")}</ol>
    <p class="muted">${esc(gettext("联网后按顺序自动发送，每项只会执行一次。"))}</p>`);
}

// ---------------------------------------------------------------------------------------------
// QC inspectors
// ---------------------------------------------------------------------------------------------

export async function qcScreen() {
  const nav = screenNavigation();
  let queue = await db.kv.get("qcQueue");
  try {
    queue = (await getJson("qc/queue/")).results;
    await db.kv.set("qcQueue", queue);
  } catch (err) {
    if (!(err instanceof NetworkError)) { toast(err.message, "error"); }
  }
  // A verdict given on this phone but not yet sent keeps the row out of the queue.
  const decided = new Set((await pending()).filter((a) => a.path.startsWith("qc/")).map((a) => a.jobId));
  queue = (queue || []).filter((row) => !decided.has(row.id));
  render(nav, `
    <h2>${esc(interpolate(gettext("质检队列（%(n)s）"), { n: queue.length }, true))}</h2>
    ${queue.map((row) => `<a class="card job" href="#/qc/${row.id}"><div class="row"><b>${esc(row.number)}</b><span class="pill qc">${esc(row.status_label)}</span></div>
      <div class="title">${esc(row.title)}</div><div class="muted">${esc(row.product_model || "")}</div></a>`).join("")
      || `<p class="empty">${esc(gettext("没有待质检的工单。"))}</p>`}`);
}

export async function qcDetailScreen(id) {
  const nav = screenNavigation();
  let data;
  try {
    data = await getJson(`qc/${id}/`);
    await db.kv.set(`qc:${id}`, data);
  } catch (err) {
    data = await db.kv.get(`qc:${id}`);
    if (!data) { render(nav, `<p class="empty">${esc(err.message)}</p>`); return; }
  }
  const job = data.job;
  if (!render(nav, `
    <a class="back" href="#/qc">‹ ${esc(gettext("质检队列"))}</a>
    <form class="card" id="qc">
      <div class="row"><b>${esc(job.number)}</b><span class="pill qc">${esc(job.status_label)}</span></div>
      <h2>${esc(job.title)}</h2>
      <p><b>${esc(gettext("维修说明"))}</b>：${esc(data.work_done || "—")}</p>
      ${data.problems.length ? `<h3>${esc(gettext("通过前尚需满足"))}</h3><ul class="warn">${data.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul>` : ""}
      <h3>${esc(gettext("检查项"))}</h3>
      ${data.checklist.map((item) => `<label class="check"><input type="checkbox" name="${esc(item.code)}"> ${esc(item.label)}</label>`).join("") || `<p class="muted">${esc(gettext("无检查项"))}</p>`}
      <label>${esc(gettext("不通过原因"))}<textarea name="reason" rows="2" maxlength="2000"></textarea></label>
      <div class="actions"><button class="primary" data-qc="pass" type="submit">${esc(gettext("质检通过"))}</button>
        <button class="danger" data-qc="fail" type="button">${esc(gettext("不通过，返工"))}</button></div>
    </form>`)) return;
  const form = $("#qc");
  const decide = async (verdict) => {
    const checklist = {};
    for (const item of data.checklist) checklist[item.code] = form.elements[item.code].checked;
    if (verdict === "pass") {
      if (Object.values(checklist).some((v) => !v)) { toast(gettext("请逐项确认检查项。"), "error"); return; }
      await enqueue({ jobId: id, label: gettext("质检通过"), path: `qc/${id}/pass/`, json: { checklist } });
    } else {
      const reason = form.reason.value.trim();
      if (!reason) { toast(gettext("请填写不通过原因。"), "error"); return; }
      await enqueue({ jobId: id, label: gettext("质检不通过"), path: `qc/${id}/fail/`, json: { reason, checklist } });
    }
    await db.kv.set("qcQueue", ((await db.kv.get("qcQueue")) || []).filter((row) => row.id !== Number(id)));
    toast(verdict === "pass" ? gettext("已通过。") : gettext("已退回返工。"));
    location.hash = "#/qc";
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); decide("pass"); });
  form.querySelector("[data-qc=fail]").addEventListener("click", () => decide("fail"));
}

