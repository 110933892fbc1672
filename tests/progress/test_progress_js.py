"""static/js/progress.js under Node with a minimal fake page: when the socket cannot connect (Redis
down closes it with 4503) the page polls state.json at a steady pace, and stops once a reconnect
succeeds. Skipped where Node is not installed (the default suite needs no system package)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "progress.js"

HARNESS = r"""
const fs = require("fs");
let timers = [];
const add = (kind) => (fn, ms) => { const t = { fn, ms, kind }; timers.push(t); return t; };
global.setInterval = add("interval");
global.setTimeout = add("timeout");
global.clearInterval = global.clearTimeout = (t) => { timers = timers.filter((x) => x !== t); };
let fetched = [];
global.fetch = (url) => {
  fetched.push(url);
  return Promise.resolve({ ok: true, json: () => Promise.resolve({ html: "<p>ok</p>", status: "in_progress",
                                                                 status_label: "处理中", last_event_id: 7 }) });
};
const attrs = { "data-state-url": "/t/tok/state.json", "data-ws-path": "/ws/t/tok/", "data-last-event": "0",
                "data-status": "assigned", "data-poll-ms": "15000" };
const live = { getAttribute: (n) => (n in attrs ? attrs[n] : null), setAttribute: (n, v) => { attrs[n] = v; },
               querySelectorAll: () => [], childNodes: [], firstChild: null };
// the page patches #live from a parsed copy of the new HTML (the real DOM is exercised in the browser tests)
const parsed = () => ({ childNodes: [], firstChild: null, set innerHTML(_) {} });
global.document = { getElementById: (id) => (id === "live" ? live : null), addEventListener: () => {},
                    createElement: parsed,
                    visibilityState: "visible", hidden: false, title: "已派单 · 工单" };
global.window = global;
global.addEventListener = () => {};
global.location = { protocol: "http:", host: "example.test" };
const sockets = [];
global.WebSocket = function (url) { this.url = url; this.readyState = 0; this.send = () => {}; sockets.push(this); };
eval(fs.readFileSync(process.argv[2], "utf8"));
(async () => {
  const out = { sockets: sockets.length };
  sockets[0].onclose({ code: 4503 });
  out.pollingAfterClose = window.progressLive.polling();
  const poll = timers.find((t) => t.kind === "interval" && t.ms === 15000);
  out.pollEvery = poll ? poll.ms : null;
  poll.fn();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  out.fetched = fetched.slice();
  out.status = attrs["data-status"];
  const retry = timers.find((t) => t.kind === "timeout");
  retry.fn();
  out.sockets = sockets.length;
  sockets[1].readyState = 1;
  sockets[1].onopen();
  out.pollingAfterReconnect = window.progressLive.polling();
  console.log(JSON.stringify(out));
})();
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_live_page_polls_while_the_socket_is_down_and_stops_when_it_is_back(tmp_path):
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    run = subprocess.run(["node", str(harness), str(SCRIPT)], capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["pollingAfterClose"] is True
    assert result["pollEvery"] == 15000
    assert "/t/tok/state.json" in result["fetched"]
    assert result["status"] == "in_progress"  # the polled state was applied to the page
    assert result["sockets"] == 2  # and it kept trying the socket meanwhile
    assert result["pollingAfterReconnect"] is False
