// The work on site: where a job stands, diagnosis, quote, signatures, repair with scanned parts.
import { NetworkError, call, getJson, uuid } from "./api.js";
import * as db from "./db.js";
import { enqueue, isOffline, jobGet, jobLocal, jobRefresh, paymentRefresh } from "./outbox.js";
import { $, $$, esc, formData, money, paint, screenNavigation, toast } from "./ui.js";
import { compressPhoto, scanCamera, scanImage, signaturePad } from "./media.js";

export const STAGE_TEXT = {
  offer: gettext("待接单"), depart: gettext("待出发"), arrive: gettext("在路上"), open: gettext("待检测"), diagnose: gettext("检测中"),
  quote: gettext("待报价"), approval: gettext("待客户确认"), start: gettext("待维修"), repair: gettext("维修中"), parts: gettext("等待备件"),
  qc: gettext("质检中"), handback: gettext("待交机"), done: gettext("已完成"), declined: gettext("已拒单"),
};

/** Where the job stands: the server's facts, overlaid with what this phone did but has not yet sent. */
export function stage(job) {
  const d = job.detail || job.row || {};
  const local = job.local || {};
  const kinds = new Set((d.events || []).map((e) => e.kind));
  const status = local.status || d.status;
  const ro = local.ro || (d.repair_order && d.repair_order.status);
  if (status === "declined") return "declined";
  if (["resolved", "closed", "cancelled"].includes(status)) return "done";
  if (ro === "passed" || ro === "declined" || status === "ready") return "handback";
  if (ro === "qc" || status === "quality_check") return "qc";
  if (!ro) {
    const offered = d.assignment_status === "offered" && !local.accepted;
    if (offered) return "offer";
    if (d.service_mode === "on_site" && !(local.checkedIn || kinds.has("visit.checked_in"))) {
      return local.departed || kinds.has("visit.departed") ? "arrive" : "depart";
    }
    return "open";
  }
  return { diagnosing: "diagnose", quoting: "quote", awaiting_approval: "approval", approved: "start",
    repairing: "repair", rework: "start", awaiting_parts: "parts" }[ro] || "repair";
}

// ---------------------------------------------------------------------------------------------
// Photos: compressed on the phone, queued like any action (the upload is retried until it lands)
// ---------------------------------------------------------------------------------------------

export async function photoAction(jobId, file, purpose) {
  const { blob, width, height, original } = await compressPhoto(file);
  const id = uuid();
  await enqueue({ jobId, label: purpose === "after" ? gettext("上传完工照片") : gettext("上传检测照片"),
    path: `jobs/${jobId}/attachments/`, photo: { blob, uuid: id, purpose, name: `${purpose}-${id.slice(0, 8)}.jpg` },
    after: "photo" });
  const job = await jobGet(jobId);
  const photos = { ...((job.local || {}).photos || {}) };
  photos[purpose] = [...(photos[purpose] || []), id];
  await jobLocal(jobId, { photos });
  const thumbs = (await db.kv.get(`thumbs:${jobId}`)) || [];
  thumbs.push({ uuid: id, purpose, blob });
  await db.kv.set(`thumbs:${jobId}`, thumbs);
  return { uuid: id, size: blob.size, original, width, height };
}

async function photoPicker(jobId, purpose, container) {
  const thumbs = ((await db.kv.get(`thumbs:${jobId}`)) || []).filter((p) => p.purpose === purpose);
  const job = await jobGet(jobId);
  const server = ((job.detail && job.detail.attachments) || []).filter((a) => a.purpose === purpose);
  container.innerHTML = `
    <div class="thumbs">${thumbs.map((p) => `<img alt="" data-thumb="${esc(p.uuid)}">`).join("")}</div>
    <p class="muted small" data-count>${esc(interpolate(gettext("已拍 %(n)s 张"), { n: Math.max(thumbs.length, server.length) }, true))}</p>
    <label class="button ghost file">${esc(gettext("拍照"))}<input type="file" accept="image/*" capture="environment" multiple data-photo="${purpose}" hidden></label>`;
  for (const p of thumbs) {
    const img = container.querySelector(`[data-thumb="${p.uuid}"]`);
    if (img) img.src = URL.createObjectURL(p.blob);
  }
  container.querySelector("[data-photo]").addEventListener("change", async (event) => {
    for (const file of event.target.files) {
      try {
        const info = await photoAction(jobId, file, purpose);
        toast(interpolate(gettext("照片已压缩：%(a)s KB → %(b)s KB"), { a: Math.round(info.original / 1024), b: Math.round(info.size / 1024) }, true));
      } catch (err) {
        toast(gettext("照片处理失败，请重拍。"), "error");
      }
    }
    photoPicker(jobId, purpose, container);
  });
}

function back(id) { return `<a class="back" href="#/job/${id}">‹ ${esc(gettext("返回工单"))}</a>`; }
function done(id, message) {
  toast(isOffline() ? gettext("已保存，联网后自动发送。") : message);
  location.hash = `#/job/${id}`;
}

// ---------------------------------------------------------------------------------------------
// Diagnosis
// ---------------------------------------------------------------------------------------------

export async function diagnoseScreen(id) {
  const nav = screenNavigation();
  let job = await jobGet(id);
  if (!job.codes) {
    try { job = await jobRefresh(id); } catch { /* offline: no codes yet */ }
  }
  const codes = job.codes || { fault_codes: [], exclusions: [] };
  if (!paint(nav, `${back(id)}
    <form class="card" id="diagnose">
      <h2>${esc(gettext("检测结果"))}</h2>
      <label>${esc(gettext("故障代码"))}<select name="fault_code" required>
        <option value="">${esc(gettext("请选择"))}</option>
        ${codes.fault_codes.map((f) => `<option value="${esc(f.code)}">${esc(f.label)}（${esc(f.component)}）${f.listed ? "" : esc(gettext(" · 非性能故障"))}</option>`).join("")}
      </select></label>
      <label>${esc(gettext("检测发现"))}<textarea name="findings" rows="3" required maxlength="4000"></textarea></label>
      <label>${esc(gettext("故障原因"))}<textarea name="cause" rows="2" maxlength="4000"></textarea></label>
      <h3>${esc(gettext("检测照片"))}</h3><div id="photos"></div>
      <details><summary>${esc(gettext("三包排除事由（需照片为证）"))}</summary>
        ${codes.exclusions.map((e) => `<label class="check"><input type="checkbox" name="exclusions" data-list value="${esc(e.code)}"> ${esc(e.label)}</label>`).join("")}
      </details>
      <button class="primary" type="submit">${esc(gettext("提交检测结果"))}</button>
    </form>`)) return;
  await photoPicker(id, "before", $("#photos"));
  $("#diagnose").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = formData(event.target);
    const current = await jobGet(id);
    const photos = ((current.local || {}).photos || {}).before || [];
    const serverPhotos = ((current.detail && current.detail.attachments) || []).filter((a) => a.purpose === "before").map((a) => a.id);
    const evidence = [...serverPhotos, ...photos.map((u) => `@att:${u}`)];
    if (data.exclusions.length && !evidence.length) { toast(gettext("排除事由需要先拍照取证。"), "error"); return; }
    const json = { fault_code: data.fault_code, findings: data.findings, cause: data.cause,
      exclusions: data.exclusions.map((code) => ({ code, evidence })) };
    await enqueue({ jobId: id, label: gettext("提交检测结果"), path: `jobs/${id}/repair/diagnose/`, json });
    await jobLocal(id, { ro: "quoting", diagnosis: json });
    done(id, gettext("检测结果已提交。"));
  });
}

// ---------------------------------------------------------------------------------------------
// Quote: price list and van stock; the customer approves remotely or signs here
// ---------------------------------------------------------------------------------------------

export async function quoteScreen(id) {
  const nav = screenNavigation();
  let job = await jobGet(id);
  if (!job.codes) {
    try { job = await jobRefresh(id); } catch { /* offline */ }
  }
  let stock = await db.kv.get("vanStock");
  try {
    stock = (await getJson("van/stock/")).results;
    await db.kv.set("vanStock", stock);
  } catch { /* offline: the cached stock */ }
  stock = stock || [];
  const items = (job.codes && job.codes.price_items) || [];
  if (!paint(nav, `${back(id)}
    <form class="card" id="quote">
      <h2>${esc(gettext("报价"))}</h2>
      <h3>${esc(gettext("价目表"))}</h3>
      ${items.map((i) => `<label class="check line"><input type="checkbox" name="items" data-list value="${esc(i.code)}" ${i.optional ? "" : "checked"} data-price="${esc(i.unit_price)}">
        <span>${esc(i.name)}${i.optional ? ` <small class="muted">${esc(gettext("视检测而定"))}</small>` : ""}</span><b>${esc(money(i.unit_price))}</b></label>`).join("")
        || `<p class="muted">${esc(gettext("该型号没有价目，可填写工时。"))}</p>`}
      <h3>${esc(gettext("车载备件"))}</h3>
      ${stock.map((s) => `<label class="check line"><input type="checkbox" name="parts" data-list value="${s.part_id}" ${s.available > 0 ? "" : "disabled"}>
        <span>${esc(s.name)} <small class="muted">${esc(s.sku)}</small></span><small>${esc(interpolate(gettext("可用 %(n)s"), { n: s.available }, true))}</small></label>`).join("")
        || `<p class="muted">${esc(gettext("车上没有备件。"))}</p>`}
      <details><summary>${esc(gettext("其他工时"))}</summary>
        <label>${esc(gettext("项目"))}<input name="labor_name" maxlength="160"></label>
        <label>${esc(gettext("金额（元）"))}<input name="labor_price" inputmode="decimal" pattern="[0-9]+(\\.[0-9]{1,2})?"></label>
      </details>
      <label>${esc(gettext("备注"))}<input name="note" maxlength="2000"></label>
      <p class="muted small">${esc(gettext("三包期内的项目免费，备件按零售价计。"))} <span id="sum"></span></p>
      <div class="actions">
        <button class="primary" type="submit" data-mode="sign">${esc(gettext("客户在现场，手机签字"))}</button>
        <button class="ghost" type="submit" data-mode="remote">${esc(gettext("发送给客户远程确认"))}</button>
      </div>
    </form>`)) return;
  const form = $("#quote");
  const total = () => {
    const sum = $$("input[name=items]:checked", form).reduce((acc, el) => acc + Number(el.dataset.price), 0);
    $("#sum").textContent = interpolate(gettext("价目合计 %(s)s"), { s: money(sum) }, true);
  };
  form.addEventListener("change", total);
  total();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mode = event.submitter ? event.submitter.dataset.mode : "sign";
    const data = formData(form);
    const lines = [
      ...data.items.map((code) => ({ price_item_code: code })),
      ...data.parts.map((partId) => ({ kind: "part", part_id: Number(partId), quantity: 1 })),
    ];
    if (data.labor_name && data.labor_price) lines.push({ kind: "labor", description: data.labor_name, unit_price: data.labor_price });
    if (!lines.length) { toast(gettext("报价至少需要一行。"), "error"); return; }
    await enqueue({ jobId: id, label: gettext("生成报价"), path: `jobs/${id}/repair/quotes/`, json: { lines, note: data.note }, after: "quote" });
    await enqueue({ jobId: id, label: gettext("发送报价"), path: `jobs/${id}/repair/quotes/@quote/send/` });
    await jobLocal(id, { ro: "awaiting_approval", quoteParts: data.parts.map(Number) });
    if (mode === "sign") location.hash = `#/job/${id}/sign/quote`;
    else done(id, gettext("报价已发给客户。"));
  });
}

// ---------------------------------------------------------------------------------------------
// Signatures: the customer approves the quote, or takes the device back
// ---------------------------------------------------------------------------------------------

const PAY_METHODS = {
  cash: gettext("现金"), transfer: gettext("转账"), wechat_native: gettext("微信支付"), wechat_jsapi: gettext("微信支付"),
  alipay: gettext("支付宝"),
};

/** What the customer still owes at the hand-back: the server's payment state (or the last one fetched),
 * overlaid with money taken on this phone and not yet sent. Null when nothing is to collect. */
function paymentOwed(job) {
  const p = job.payment;
  const paid = job.local && job.local.paid;
  if (paid) return { done: true, amount: paid.amount, method: paid.method };
  if (!p || !p.due) return null;
  if (p.received) return { done: true, amount: p.amount, method: p.method };
  if (p.deferred) return null;
  return { done: false, amount: p.amount, payableNow: p.payable_now };
}

function paymentHtml(owed) {
  if (!owed) return "";
  if (owed.done) {
    return `<p class="ok" id="paid">${esc(interpolate(gettext("已收款 %(amount)s · %(method)s"),
      { amount: money(owed.amount), method: PAY_METHODS[owed.method] || owed.method }, true))}</p>`;
  }
  return `<form class="card pay" id="pay">
      <h2>${esc(gettext("收款"))}</h2>
      <p class="due">${esc(interpolate(gettext("应收 %(amount)s"), { amount: money(owed.amount) }, true))}</p>
      <p class="muted small">${esc(gettext("维修费用收款（或月结/挂账登记）后才能交机。"))}${owed.payableNow
        ? esc(gettext("客户也可以在手机上的维修进度页在线支付。")) : ""}</p>
      <label class="check"><input type="radio" name="method" value="cash" checked> ${esc(gettext("现金"))}</label>
      <label class="check"><input type="radio" name="method" value="transfer"> ${esc(gettext("转账"))}</label>
      <label>${esc(gettext("流水号或收据号（转账必填）"))}<input name="reference" maxlength="60" autocomplete="off"></label>
      <div class="actions"><button class="primary" type="submit">${esc(interpolate(gettext("已收到 %(amount)s"), { amount: money(owed.amount) }, true))}</button>
        <button class="ghost" type="button" id="pay-refresh">${esc(gettext("客户已在线支付？刷新"))}</button></div>
    </form>`;
}

export async function signScreen(id, what) {
  const nav = screenNavigation();
  const isQuote = what === "quote";
  // The hand-back asks the server what is due (the customer may have just paid online); offline it
  // goes by the state fetched last.
  // A weak signal that never answers must not keep the screen waiting.
  if (!isQuote) await Promise.race([paymentRefresh(id), new Promise((resolve) => { setTimeout(resolve, 4000); })]);
  const job = await jobGet(id);
  const quote = await db.kv.get(`quote:${id}`);
  const name = (job.detail && job.detail.customer && job.detail.customer.name) || "";
  const owed = isQuote ? null : paymentOwed(job);
  const blocked = owed && !owed.done;
  const summary = isQuote
    ? (quote ? interpolate(gettext("报价 v%(v)s，应付 %(total)s"), { v: quote.version, total: money(quote.total) }, true) : gettext("报价将在联网后生成，金额以报价单为准。"))
    : gettext("设备已修好并通过质检，客户签字确认取回。");
  if (!paint(nav, `${back(id)}
    ${blocked ? paymentHtml(owed) : ""}
    <form class="card" id="sign" ${blocked ? "hidden" : ""}>
      <h2>${esc(isQuote ? gettext("客户确认报价") : gettext("交机确认"))}</h2>
      <p>${esc(summary)}</p>
      ${owed && owed.done ? paymentHtml(owed) : ""}
      ${isQuote && quote ? `<ul class="list">${quote.lines.map((l) => `<li>${esc(l.description)} × ${l.quantity} <b>${esc(l.is_free ? gettext("免费") : money(l.amount))}</b></li>`).join("")}</ul>` : ""}
      <label>${esc(gettext("签字人"))}<input name="signer_name" value="${esc(name)}" required maxlength="80"></label>
      <p class="muted small">${esc(gettext("请客户在下方框内手写签名"))}</p>
      <canvas id="pad" class="pad"></canvas>
      <div class="actions"><button type="button" class="ghost" id="clear">${esc(gettext("重写"))}</button>
        <button class="primary" type="submit">${esc(gettext("确认签字"))}</button></div>
    </form>`)) return;
  if (blocked) {
    $("#pay").addEventListener("submit", async (event) => {
      event.preventDefault();
      const method = event.target.querySelector("input[name=method]:checked").value;
      const reference = event.target.reference.value.trim();
      if (method === "transfer" && !reference) { toast(gettext("请填写转账流水号。"), "error"); return; }
      const amount = Number(owed.amount).toFixed(2);
      await enqueue({ jobId: id, label: gettext("登记收款"), path: `jobs/${id}/payment/record/`,
        json: { method, amount, reference } });
      await jobLocal(id, { paid: { method, amount } });
      toast(isOffline() ? gettext("收款已保存，联网后自动登记。") : gettext("已登记收款。"));
      signScreen(id, what);
    });
    $("#pay-refresh").addEventListener("click", () => signScreen(id, what));
    return;
  }
  const pad = signaturePad($("#pad"));
  $("#clear").addEventListener("click", () => pad.clear());
  $("#sign").addEventListener("submit", async (event) => {
    event.preventDefault();
    const png = pad.png();
    const signer = event.target.signer_name.value.trim();
    if (!png) { toast(gettext("请先手写签名。"), "error"); return; }
    const json = { signer_name: signer, signature_png: png };
    if (isQuote) {
      await enqueue({ jobId: id, label: gettext("客户签字确认报价"), path: `jobs/${id}/repair/quotes/@quote/approve/`, json });
      await jobLocal(id, { ro: "approved" });
      done(id, gettext("客户已签字确认。"));
    } else {
      await enqueue({ jobId: id, label: gettext("交机签字"), path: `jobs/${id}/repair/hand-back/`, json });
      await jobLocal(id, { status: "resolved" });
      done(id, gettext("已交机，工单完成。"));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Repair: fit the quoted parts (scanned), after-photos, hand over to QC
// ---------------------------------------------------------------------------------------------

export async function repairScreen(id) {
  const nav = screenNavigation();
  const job = await jobGet(id);
  const quote = await db.kv.get(`quote:${id}`);
  const fitted = (job.local && job.local.fitted) || [];
  const partLines = quote ? quote.lines.filter((l) => l.kind === "part") : [];
  if (!paint(nav, `${back(id)}
    <section class="card">
      <h2>${esc(gettext("换件"))}</h2>
      ${partLines.map((l) => {
        const isFitted = fitted.some((f) => f.line === l.id);
        return `<div class="row line"><span>${esc(l.description)} × ${l.quantity}</span>
          ${isFitted ? `<span class="pill done">${esc(gettext("已安装"))}</span>` : `<a class="button small primary" href="#/job/${id}/scan/${l.id}/${l.part_id}">${esc(gettext("扫码安装"))}</a>`}</div>`;
      }).join("") || `<p class="muted">${esc(gettext("报价中没有备件。"))}</p>`}
    </section>
    <form class="card" id="repair">
      <h2>${esc(gettext("完工"))}</h2>
      <h3>${esc(gettext("完工照片"))}</h3><div id="photos"></div>
      <label>${esc(gettext("维修说明"))}<textarea name="work_done" rows="3" required maxlength="4000"></textarea></label>
      <div class="actions"><button class="primary" type="submit">${esc(gettext("提交质检"))}</button>
        <button class="ghost" type="button" id="wait">${esc(gettext("等待备件"))}</button></div>
    </form>`)) return;
  await photoPicker(id, "after", $("#photos"));
  $("#wait").addEventListener("click", async () => {
    await enqueue({ jobId: id, label: gettext("等待备件"), path: `jobs/${id}/repair/wait-parts/`, json: {} });
    await jobLocal(id, { ro: "awaiting_parts" });
    done(id, gettext("已标记等待备件。"));
  });
  $("#repair").addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = await jobGet(id);
    const after = (((current.local || {}).photos || {}).after || []).length
      + ((current.detail && current.detail.attachments) || []).filter((a) => a.purpose === "after").length;
    if (!after) { toast(gettext("请先拍完工照片。"), "error"); return; }
    await enqueue({ jobId: id, label: gettext("提交质检"), path: `jobs/${id}/repair/submit-qc/`, json: { work_done: event.target.work_done.value.trim() } });
    await jobLocal(id, { ro: "qc" });
    done(id, gettext("已提交质检。"));
  });
}

export async function scanScreen(id, lineId, partId) {
  const nav = screenNavigation();
  if (!paint(nav, `<a class="back" href="#/job/${id}/repair">‹ ${esc(gettext("返回"))}</a>
    <section class="card">
      <h2>${esc(gettext("扫描备件二维码"))}</h2>
      <video id="video" class="scanner" muted playsinline></video>
      <p id="scan-status" class="muted">${esc(gettext("将备件标签上的二维码放入框内"))}</p>
      <label class="button ghost file">${esc(gettext("从相册选择标签照片"))}<input type="file" accept="image/*" id="scan-file" hidden></label>
      <form id="manual"><label>${esc(gettext("或手动输入标签内容"))}<input name="payload" maxlength="500"></label>
        <label>${esc(gettext("旧件序列号"))}<input name="old_serial" maxlength="60"></label>
        <button class="ghost" type="submit">${esc(gettext("确认"))}</button></form>
    </section>`)) return;
  const video = $("#video");
  let scanner = null;
  const found = async (payload) => {
    if (scanner) scanner.stop();
    $("#scan-status").textContent = gettext("已识别，正在核验…");
    const oldSerial = $("#manual").old_serial.value.trim();
    if (!isOffline()) {
      try {
        const unit = await call("POST", `jobs/${id}/scan-part/`, { json: { payload } });
        toast(interpolate(gettext("已核验：%(name)s %(serial)s"), { name: unit.name, serial: unit.serial }, true));
      } catch (err) {
        if (!(err instanceof NetworkError)) {
          $("#scan-status").textContent = err.message;
          toast(err.message, "error");
          return;
        }
      }
    }
    await enqueue({ jobId: id, label: gettext("安装备件"), path: `jobs/${id}/repair/fit-part/`,
      json: { quote_line_id: Number(lineId), part_id: Number(partId), serial_payload: payload, old_serial: oldSerial } });
    const job = await jobGet(id);
    await jobLocal(id, { fitted: [...((job.local || {}).fitted || []), { line: Number(lineId), payload }] });
    location.hash = `#/job/${id}/repair`;
  };
  $("#scan-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const text = await scanImage(file);
    if (text) found(text);
    else $("#scan-status").textContent = gettext("没有识别到二维码，请重拍。");
  });
  $("#manual").addEventListener("submit", (event) => {
    event.preventDefault();
    const payload = event.target.payload.value.trim();
    if (payload) found(payload);
  });
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanner = scanCamera(video);
    window.addEventListener("hashchange", () => scanner.stop(), { once: true });
    scanner.result.then((text) => { if (text) found(text); })
      .catch(() => { $("#scan-status").textContent = gettext("无法打开相机，请从相册选择或手动输入。"); });
  }
}
