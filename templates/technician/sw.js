/* Service worker of the technicians' app: the shell and its files come from the cache (so the app
   starts with no network); API calls always go to the network (the app keeps its own data in
   IndexedDB and queues its writes there). */
const VERSION = "{{ version }}";
const CACHE = "techapp-" + VERSION;
const PRECACHE = {{ precache|safe }};
const LAZY = {{ lazy|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("techapp-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    // The newest shell when online, the cached one otherwise.
    event.respondWith(fetch(request).then((response) => {
      const copy = response.clone();
      if (response.ok) caches.open(CACHE).then((cache) => cache.put("/app/", copy));
      return response;
    }).catch(() => caches.match("/app/")));
    return;
  }
  // The catalogue of the app's words (versioned URL, so a cached copy is always right): those of
  // the other language are kept once fetched, so a switch of language also works offline later.
  if (PRECACHE.includes(url.pathname) || LAZY.includes(url.pathname) || url.pathname.startsWith("/app/jsi18n/")) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request).then((response) => {
      const copy = response.clone();
      if (response.ok) caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
      return response;
    })));
  }
});
