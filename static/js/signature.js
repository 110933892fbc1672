/* Handwritten signature on a canvas with pointer events (finger, pen or mouse), exported as PNG into
   the form's hidden "signature" field. Plain JS, no library. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("approve-form");
  if (!canvas || !form) { return; }
  var wrap = document.getElementById("sig-wrap");
  var field = document.getElementById("signature-data");
  var errorBox = document.getElementById("sig-error");
  var ctx = canvas.getContext("2d");
  var drawing = false, last = null, inked = 0;

  function resize() {
    // keep strokes sharp on high-density screens; resizing clears, so only before drawing
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    clear();
  }

  function clear() {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.restore();
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111827";
    inked = 0;
    if (wrap) { wrap.classList.remove("signed"); }
    field.value = "";
  }

  function point(ev) {
    var rect = canvas.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top, p: ev.pressure || 0.5 };
  }

  canvas.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    drawing = true;
    last = point(ev);
    if (canvas.setPointerCapture) { canvas.setPointerCapture(ev.pointerId); }
    ctx.beginPath();
    ctx.lineWidth = 2.5;
    ctx.arc(last.x, last.y, 1.2, 0, Math.PI * 2);
    ctx.fillStyle = ctx.strokeStyle;
    ctx.fill();
    if (wrap) { wrap.classList.add("signed"); }
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (!drawing) { return; }
    ev.preventDefault();
    var events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (var i = 0; i < events.length; i++) {
      var p = point(events[i]);
      ctx.beginPath();
      ctx.lineWidth = 1.5 + 2 * p.p;
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      inked += Math.abs(p.x - last.x) + Math.abs(p.y - last.y);
      last = p;
    }
  });
  function stop(ev) {
    if (!drawing) { return; }
    drawing = false;
    if (canvas.releasePointerCapture && ev.pointerId !== undefined) {
      try { canvas.releasePointerCapture(ev.pointerId); } catch (e) { /* already released */ }
    }
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  document.getElementById("sig-clear").addEventListener("click", function () { clear(); });

  form.addEventListener("submit", function (ev) {
    if (inked < 20) {
      ev.preventDefault();
      errorBox.textContent = errorBox.getAttribute("data-empty");
      errorBox.hidden = false;
      return;
    }
    errorBox.hidden = true;
    field.value = canvas.toDataURL("image/png");
  });

  resize();
  window.addEventListener("orientationchange", function () { if (!inked) { resize(); } });
})();
