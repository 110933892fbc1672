// The REST API client: knox token per device, Accept-Language, Idempotency-Key, JSON errors.
export const API = "/api/v1/";
const TOKEN = "techapp.token";

export class NetworkError extends Error {}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export const token = {
  get: () => localStorage.getItem(TOKEN),
  set: (value) => localStorage.setItem(TOKEN, value),
  clear: () => localStorage.removeItem(TOKEN),
};

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** One call. ``json`` or ``form`` (FormData) is the body; ``key`` the Idempotency-Key. */
export async function call(method, path, { json, form, key, auth = true } = {}) {
  // The API's messages (errors, labels) in the language the app was served in.
  const headers = { Accept: "application/json", "Accept-Language": document.documentElement.dataset.lang || "zh-hans" };
  if (auth && token.get()) headers.Authorization = `Token ${token.get()}`;
  if (key) headers["Idempotency-Key"] = key;
  let body;
  if (form) body = form;
  else if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(API + path, { method, headers, body, cache: "no-store", credentials: "omit" });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const getJson = (path) => call("GET", path);
