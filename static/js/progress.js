/* Live progress page: subscribe to /ws/t/<token>/, patch the live part from state.json on every
   pushed event and after every (re)connect, reconnect with exponential backoff. Plain JS, no framework. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var conn = document.getElementById("conn");
  var connText = conn ? conn.querySelector(".conn-text") : null;
  var stateUrl = live.getAttribute("data-state-url");
  var wsPath = live.getAttribute("data-ws-path");
  var lastEvent = parseInt(live.getAttribute("data-last-event") || "0", 10);
  var lastHtml = null;
  var socket = null, attempts = 0, retryTimer = null, pingTimer = null, fetching = null, again = false;

  function setConn(state) {
    if (!conn) { return; }
    conn.setAttribute("data-state", state);
    if (connText) { connText.textContent = connText.getAttribute("data-" + state) || ""; }
  }

  // Identity of a node across renders: its id, its timeline event, step or action key.
  function keyOf(node) {
    if (node.nodeType !== 1) { return null; }
    return node.id || node.getAttribute("data-event") || node.getAttribute("data-step") ||
           node.getAttribute("data-action") || null;
  }

  function sameKind(a, b) {
    return a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b);
  }

  function syncAttributes(from, to) {
    var i, name;
    for (i = from.attributes.length - 1; i >= 0; i--) {
      name = from.attributes[i].name;
      if (!to.hasAttribute(name)) { from.removeAttribute(name); }
    }
    for (i = 0; i < to.attributes.length; i++) {
      name = to.attributes[i].name;
      var value = to.attributes[i].value;
      // an entry highlighted as new keeps its highlight until the page is reloaded
      if (name === "class" && /\bfresh\b/.test(from.className) && !/\bfresh\b/.test(value)) { value += " fresh"; }
      if (from.getAttribute(name) !== value) { from.setAttribute(name, value); }
    }
  }

  // Bring `from` in line with `to`, touching only what differs: a button or section the customer is
  // looking at (or tapping) stays the same element while the arrival time or the timeline changes.
  function morph(from, to) {
    if (from.nodeType !== 1) {
      if (from.nodeValue !== to.nodeValue) { from.nodeValue = to.nodeValue; }
      return;
    }
    syncAttributes(from, to);
    morphChildren(from, to);
  }

  function morphChildren(from, to) {
    var keyed = {};
    var child;
    for (child = from.firstChild; child; child = child.nextSibling) {
      var k = keyOf(child);
      if (k) { keyed[k] = child; }
    }
    var cursor = from.firstChild;
    var incoming = Array.prototype.slice.call(to.childNodes);
    for (var i = 0; i < incoming.length; i++) {
      var next = incoming[i], key = keyOf(next), match = null;
      if (key && keyed[key] && keyed[key].nodeName === next.nodeName) {
        match = keyed[key];
        delete keyed[key];
      } else if (cursor && sameKind(cursor, next)) {
        match = cursor;
      }
      if (match) {
        if (match === cursor) { cursor = cursor.nextSibling; } else { from.insertBefore(match, cursor); }
        morph(match, next);
      } else {
        from.insertBefore(next, cursor);
      }
    }
    while (cursor) {
      child = cursor.nextSibling;
      from.removeChild(cursor);
      cursor = child;
    }
  }

  function apply(state) {
    if (!state || typeof state.html !== "string") { return; }
    var before = lastEvent;
    // The arrival time changes without a new timeline event: compare the rendered part too.
    if (state.last_event_id === lastEvent && live.getAttribute("data-status") === state.status &&
        state.html === lastHtml) { return; }
    lastHtml = state.html;
    var fresh = document.createElement("div");
    fresh.innerHTML = state.html;
    morphChildren(live, fresh);
    live.setAttribute("data-status", state.status);
    lastEvent = state.last_event_id;
    live.setAttribute("data-last-event", String(lastEvent));
    var items = live.querySelectorAll("#timeline li[data-event]");
    for (var i = 0; i < items.length; i++) {
      if (parseInt(items[i].getAttribute("data-event"), 10) > before &&
          !/\bfresh\b/.test(items[i].className)) { items[i].className += " fresh"; }
    }
    document.title = document.title.replace(/^[^·]*·/, state.status_label + " ·");
  }

  // One request at a time; an event arriving meanwhile triggers exactly one more fetch.
  function refresh() {
    if (fetching) { again = true; return fetching; }
    fetching = fetch(stateUrl, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(apply)
      .catch(function () { /* the next event or reconnect fetches again */ })
      .then(function () { fetching = null; if (again) { again = false; refresh(); } });
    return fetching;
  }

  // Fallback while the socket is down (Redis unavailable, a proxy without WebSockets): poll the
  // state at a steady pace until a reconnect succeeds, so the page stays current either way.
  var pollTimer = null, pollMs = parseInt(live.getAttribute("data-poll-ms") || "15000", 10);
  function polling(on) {
    if (on && !pollTimer) {
      pollTimer = setInterval(function () { if (!document.hidden) { refresh(); } }, pollMs);
    } else if (!on && pollTimer) {
      clearInterval(pollTimer); pollTimer = null;
    }
  }

  function scheduleReconnect() {
    if (retryTimer) { return; }
    var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    // while the socket is down (or blocked by a proxy), every retry also polls the state
    retryTimer = setTimeout(function () { retryTimer = null; refresh(); connect(); }, delay);
  }

  function connect() {
    if (socket && (socket.readyState === 0 || socket.readyState === 1)) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try { socket = new WebSocket(scheme + location.host + wsPath); } catch (e) { polling(true); scheduleReconnect(); return; }
    socket.onopen = function () {
      attempts = 0;
      polling(false);
      setConn("live");
      refresh();  // anything committed while we were not listening
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket && socket.readyState === 1) { socket.send(JSON.stringify({ type: "ping" })); }
      }, 25000);
    };
    socket.onmessage = function (msg) {
      var data;
      try { data = JSON.parse(msg.data); } catch (e) { return; }
      if (data.type === "ticket.event") { refresh(); }
    };
    socket.onclose = function (ev) {
      clearInterval(pingTimer);
      socket = null;
      setConn("offline");
      if (ev.code === 4404) { polling(false); return; }  // the link is no longer valid: a reload shows why
      polling(true);
      scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket) {
      clearTimeout(retryTimer); retryTimer = null; attempts = 0; connect();
    }
  });
  window.addEventListener("online", function () {
    if (!socket) { clearTimeout(retryTimer); retryTimer = null; attempts = 0; connect(); }
  });
  window.progressLive = { refresh: refresh, socket: function () { return socket; },
                          polling: function () { return pollTimer !== null; } };
  connect();
})();
