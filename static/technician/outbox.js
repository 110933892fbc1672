// Offline first: every write is queued in IndexedDB with its Idempotency-Key and replayed in order;
// jobs are kept fresh by delta sync and cached with their details and code lists.
import { ApiError, NetworkError, call, getJson, uuid } from "./api.js";
import * as db from "./db.js";

export const bus = new EventTarget();
const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));

let running = null;
let retryTimer = null;
let lastTry = 0;
let offline = !navigator.onLine;

export const isOffline = () => offline;
function setOffline(value) {
  if (offline !== value) {
    offline = value;
    emit("network", { offline });
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs in the local cache
// ---------------------------------------------------------------------------------------------

export async function jobGet(id) { return db.get("jobs", Number(id)); }
export async function jobsAll() { return db.all("jobs"); }
export async function jobSave(job) { await db.put("jobs", job); emit("jobs"); return job; }

async function jobMerge(id, fields) {
  const job = (await jobGet(id)) || { id: Number(id), local: {} };
  Object.assign(job, fields);
  return jobSave(job);
}

/** Patches the job's local (not yet confirmed) state, so the screens move on while offline. */
export async function jobLocal(id, patch) {
  const job = (await jobGet(id)) || { id: Number(id), local: {} };
  job.local = { ...(job.local || {}), ...patch };
  return jobSave(job);
}

async function pendingFor(jobId) {
  return (await db.all("outbox")).filter((a) => a.jobId === Number(jobId));
}

/** Fresh detail (and code lists) of one job; the local overlay is dropped once nothing waits. */
export async function jobRefresh(id) {
  const detail = await getJson(`jobs/${id}/`);
  const fields = { detail, row: detail, fetchedAt: Date.now() };
  const job = await jobGet(id);
  if (!job || !job.codes) {
    try { fields.codes = await getJson(`jobs/${id}/codes/`); } catch (err) { if (!(err instanceof ApiError)) throw err; }
  }
  // The repair fee, kept with the job so that the hand-back knows without a signal what is still to collect.
  const ro = detail.repair_order;
  if (ro && !["resolved", "closed", "cancelled"].includes(detail.status)) {
    try { fields.payment = await getJson(`jobs/${id}/payment/`); } catch (err) { if (!(err instanceof ApiError)) throw err; }
  }
  if (!(await pendingFor(id)).length) fields.local = {};
  return jobMerge(id, fields);
}

/** The job's payment as the server has it now; offline (or refused), the last one fetched. */
export async function paymentRefresh(id) {
  try {
    const payment = await getJson(`jobs/${id}/payment/`);
    await jobMerge(id, { payment });
    return payment;
  } catch (err) {
    if (!(err instanceof ApiError) && !(err instanceof NetworkError)) throw err;
    return (await jobGet(id))?.payment ?? null;
  }
}

/** Delta sync: changed jobs and tombstones since the stored cursor, then the open jobs' details. */
export async function sync() {
  let since = (await db.kv.get("cursor")) || "";
  let more = true;
  const changed = [];
  while (more) {
    const page = await getJson(`jobs/sync/${since ? `?since=${encodeURIComponent(since)}` : ""}`);
    for (const row of page.jobs) {
      await jobMerge(row.id, { row });
      changed.push(row.id);
    }
    for (const gone of page.removed) await db.del("jobs", gone.id);
    since = page.cursor;
    more = page.has_more;
    await db.kv.set("cursor", since);
  }
  const jobs = await jobsAll();
  for (const job of jobs) {
    if (changed.includes(job.id) || !job.detail) {
      try { await jobRefresh(job.id); } catch (err) { if (!(err instanceof ApiError) || err.status !== 404) throw err; }
    }
  }
  await routeRefresh();
  // The van's stock, so that a quote can be written where there is no signal.
  try { await db.kv.set("vanStock", (await getJson("van/stock/")).results); } catch (err) { if (!(err instanceof ApiError)) throw err; }
  await db.kv.set("syncedAt", Date.now());
  emit("jobs");
}

/** Today's route as the server planned it (stops in driving order, planned arrivals inside the
 * customers' windows); the last one fetched is what the technician sees without a signal. */
export async function routeRefresh() {
  try {
    await db.kv.set("route", { ...(await getJson("me/route/")), fetchedAt: Date.now() });
  } catch (err) { if (!(err instanceof ApiError)) throw err; }
}

// ---------------------------------------------------------------------------------------------
// The outbox
// ---------------------------------------------------------------------------------------------

/**
 * Queues one action: ``{jobId, label, method, path, json?, photo?, after?}``. Placeholders resolved
 * at replay: "@quote" (the job's latest quote id) in the path, "@att:<uuid>" (an uploaded photo's id)
 * in the body. Returns the stored action.
 */
export async function enqueue(action) {
  const item = { method: "POST", key: uuid(), createdAt: Date.now(), attempts: 0, ...action };
  item.jobId = Number(item.jobId);
  item.seq = await db.put("outbox", item);
  emit("outbox");
  flush();
  return item;
}

export const pending = () => db.all("outbox");
export const problems = () => db.all("problems");
export async function problemDismiss(seq) { await db.del("problems", seq); emit("outbox"); }

async function resolve(value, jobId) {
  if (typeof value === "string") {
    if (value.startsWith("@att:")) return (await db.kv.get(`att:${value.slice(5)}`)) ?? value;
    if (value.includes("@quote")) {
      const quote = await db.kv.get(`quote:${jobId}`);
      return quote ? value.replace("@quote", String(quote.id)) : value;
    }
    return value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolve(v, jobId)));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolve(v, jobId);
    return out;
  }
  return value;
}

async function send(action) {
  const path = await resolve(action.path, action.jobId);
  if (action.photo) {
    const form = new FormData();
    form.append("file", action.photo.blob, action.photo.name || "photo.jpg");
    form.append("purpose", action.photo.purpose);
    form.append("uuid", action.photo.uuid);
    return call(action.method, path, { form, key: action.key });
  }
  const json = action.json === undefined ? undefined : await resolve(action.json, action.jobId);
  return call(action.method, path, { json, key: action.key });
}

async function afterSuccess(action, result) {
  if (action.after === "quote") await db.kv.set(`quote:${action.jobId}`, result);
  if (action.after === "photo" && result) await db.kv.set(`att:${action.photo.uuid}`, result.id);
  if (action.after === "declined") await db.del("jobs", action.jobId);
}

const retryable = (err) => err instanceof NetworkError
  || (err instanceof ApiError && (err.status >= 500 || err.status === 429
    || err.body.code === "idempotency_key_in_progress"));

async function drain() {
  for (;;) {
    const items = (await db.all("outbox")).sort((a, b) => a.seq - b.seq);
    if (!items.length) break;
    const action = items[0];
    let result;
    lastTry = Date.now();
    try {
      result = await send(action);
    } catch (err) {
      if (retryable(err)) {
        action.attempts += 1;
        action.lastError = err.message;
        await db.put("outbox", action);
        if (err instanceof NetworkError) setOffline(true);
        const wait = Math.min(60000, 1000 * 2 ** Math.min(action.attempts, 6));
        clearTimeout(retryTimer);
        retryTimer = setTimeout(flush, wait);
        emit("outbox");
        return;
      }
      if (err instanceof ApiError && err.status === 401) {
        emit("unauthorized");
        return;
      }
      // Refused by the server (the job moved on, or the input is wrong): keep what the server said,
      // and hold back this job's later actions, which were built on this one.
      const later = items.filter((a) => a.jobId === action.jobId && a.seq !== action.seq);
      const extra = err.body.extra || {};
      await db.put("problems", {
        jobId: action.jobId, label: action.label, status: err.status, code: err.body.code || "",
        message: err.message, current: extra.current || null, held: later.map((a) => a.label), at: Date.now(),
      });
      for (const a of [action, ...later]) await db.del("outbox", a.seq);
      emit("problem");
      try { await jobRefresh(action.jobId); } catch { /* shown from the cache */ }
      continue;
    }
    setOffline(false);
    await db.del("outbox", action.seq);
    await afterSuccess(action, result);
    emit("applied", { action, result });
    if (!(await pendingFor(action.jobId)).length && action.after !== "declined") {
      try { await jobRefresh(action.jobId); } catch { /* the next sync brings it */ }
    }
  }
  emit("outbox");
}

/** Sends what waits, in order; concurrent calls share one run. */
export function flush() {
  if (!running) {
    running = drain().finally(() => { running = null; });
  }
  return running;
}

window.addEventListener("online", () => { setOffline(false); flush(); });
window.addEventListener("offline", () => setOffline(true));

// WeChat's in-app browser says nothing when the signal comes back (navigator.onLine stays true, no
// "online" event): a tap, or the app coming back to the screen, tries again within seconds rather
// than after the back-off, which grows to a minute in a long basement visit.
function nudge() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, Math.max(0, lastTry + 3000 - Date.now()));
}
document.addEventListener("pointerdown", nudge, { capture: true, passive: true });
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") nudge(); });
