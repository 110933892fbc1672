// A small promise wrapper over IndexedDB: jobs, key-value pairs, the outbox of queued actions and
// the conflicts the server answered. Nothing here knows about the API.
const NAME = "techapp";
const VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("kv");
        db.createObjectStore("jobs", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        db.createObjectStore("problems", { keyPath: "seq", autoIncrement: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function store(name, mode = "readonly") {
  const db = await open();
  return db.transaction(name, mode).objectStore(name);
}

export async function get(name, key) { return done((await store(name)).get(key)); }
export async function all(name) { return done((await store(name)).getAll()); }
export async function put(name, value, key) {
  const s = await store(name, "readwrite");
  return done(key === undefined ? s.put(value) : s.put(value, key));
}
export async function del(name, key) { return done((await store(name, "readwrite")).delete(key)); }
export async function clear(name) { return done((await store(name, "readwrite")).clear()); }
export async function count(name) { return done((await store(name)).count()); }

export const kv = {
  get: (key) => get("kv", key),
  set: (key, value) => put("kv", value, key),
  del: (key) => del("kv", key),
};

export async function wipe() {
  for (const name of ["kv", "jobs", "outbox", "problems"]) await clear(name);
}
