// yichui web UI: small hand-written JS (no build step, no network). Pages: new, run, compare, chat.
"use strict";
const $ = (sel) => document.querySelector(sel);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body, raw) {
  const headers = {"X-CSRF-Token": csrf()};
  if (!raw) headers["Content-Type"] = "application/json";
  return fetch(url, {method: "POST", headers, body: raw ? body : JSON.stringify(body || {})});
}

// --- a line chart on <canvas>: series = [{label, points: [[x, y], ...]}] --------------------------------------
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];
function drawChart(canvas, series) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, P = 36;
  ctx.clearRect(0, 0, W, H);
  const pts = series.flatMap((s) => s.points);
  if (!pts.length) return;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const X = (x) => P + (x - x0) / (x1 - x0) * (W - 2 * P), Y = (y) => H - P - (y - y0) / (y1 - y0) * (H - 2 * P);
  ctx.strokeStyle = "#999"; ctx.strokeRect(P, P / 2, W - 2 * P, H - 1.5 * P);
  ctx.fillStyle = "#444"; ctx.font = "11px sans-serif";
  ctx.fillText(y1.toPrecision(4), 2, P / 2 + 10); ctx.fillText(y0.toPrecision(4), 2, H - P);
  ctx.fillText(String(x0), P, H - P / 3); ctx.fillText(String(x1), W - P - 20, H - P / 3);
  series.forEach((s, i) => {
    ctx.strokeStyle = s.color || COLORS[i % COLORS.length]; ctx.beginPath();
    s.points.forEach((p, j) => (j ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke(); ctx.fillStyle = ctx.strokeStyle;
    if (s.points.length === 1) ctx.fillRect(X(s.points[0][0]) - 3, Y(s.points[0][1]) - 3, 6, 6);  // a lone eval
    ctx.fillText(s.label, W - P - Math.max(60, ctx.measureText(s.label).width + 4), P / 2 + 14 * (i + 1));
  });
  canvas.dataset.points = String(series[0].points.length);
}

// --- New run: live plan panel, upload with line-numbered problems, dry run, launch ---------------------------
function formData() {
  const out = {};
  new FormData($("#run-form")).forEach((v, k) => { if (typeof v === "string") out[k] = v; });
  return out;
}
function showPlan(p) {
  const panel = $("#plan-panel"), d = panel.dataset;
  $("#form-error").hidden = true;
  panel.dataset.fits = String(p.fits);
  $("#plan-verdict").textContent = p.fits === null ? p.why_not :
    (p.fits ? `${d.tFits}: ${p.peak_gib} / ${p.free_gib} GiB` : `${p.why_not || d.tNofit} (${p.peak_gib} / ${p.free_gib} GiB)`);
  $("#plan-verdict").className = p.fits ? "ok" : "error";
  $("#plan-breakdown").innerHTML = "";
  for (const [k, v] of Object.entries(p.breakdown || {})) {
    const tr = document.createElement("tr");
    tr.innerHTML = `<td></td><td>${Number(v).toFixed(3)} GiB</td>`; tr.firstChild.textContent = k;
    $("#plan-breakdown").appendChild(tr);
  }
  const near = p.nearest_change ? `${d.tNearest}: ${p.nearest_change}` : "";
  const where = (p.elsewhere || []).length ? ` · ${d.tElsewhere}: ${p.elsewhere.join(", ")}` : "";
  $("#plan-nearest").textContent = near + where;
  $("#command").textContent = p.command_line || "";
}
function showError(msg) { const e = $("#form-error"); e.textContent = msg; e.hidden = false; }
let planTimer = null, planSeq = 0;
async function refreshPlan() {
  const seq = ++planSeq, r = await post("/api/plan", formData()), p = await r.json();
  if (seq !== planSeq) return;  // a newer plan was asked for meanwhile: show only the latest form's
  if (!r.ok) return showError(p.error);
  showPlan(p);
}
// the planner's values for the key fields the user left empty (auto-filled ones are refilled, edited ones kept)
async function fillDefaults() {
  const form = formData();
  document.querySelectorAll("#run-form input[data-auto]").forEach((el) => { delete form[el.name]; });
  const r = await post("/api/defaults", form);
  if (!r.ok) return;
  const d = await r.json();
  $("#model-fit").textContent = d.fit_text || ""; $("#model-fit").dataset.fit = d.fit || "";
  for (const [name, value] of Object.entries(d.defaults || {})) {
    const el = document.getElementById(`f-${name}`);
    // never a field the user is in or has touched: an answer that arrives between clearing a field and typing
    // into it must not be typed in front of the user's value
    if (!el || el.dataset.touched || el === document.activeElement) continue;
    if (el.value === "" || el.dataset.auto) { el.value = String(value); el.dataset.auto = "1"; }
  }
  refreshPlan();
}
function initNew() {
  let defaultsTimer = null;
  // a field the user changed (typed into, cleared) is theirs from now on: the planner's defaults leave it
  $("#run-form").addEventListener("change", (ev) => { delete ev.target.dataset.auto; ev.target.dataset.touched = "1"; });
  $("#run-form").addEventListener("input", (ev) => {
    delete ev.target.dataset.auto; ev.target.dataset.touched = "1";
    if (["model", "train_type", "task"].includes(ev.target.name)) {
      clearTimeout(defaultsTimer); defaultsTimer = setTimeout(fillDefaults, 400);
    }
  });
  $("#run-form").addEventListener("input", () => { clearTimeout(planTimer); planTimer = setTimeout(refreshPlan, 500); });
  $("#dryrun").addEventListener("click", refreshPlan);
  $("#copy").addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText($("#command").textContent));
  $("#upload").addEventListener("change", async (ev) => {
    const f = ev.target.files[0]; if (!f) return;
    const q = new URLSearchParams({name: f.name, sid: $("#f-sid").value, task: formData().task});
    const r = await post(`/api/upload?${q}`, f, true), p = await r.json(), box = $("#upload-report");
    if (!r.ok) { box.className = "error"; box.textContent = p.error; return; }
    $("#f-sid").value = p.sid; $("#f-dataset").value = p.path;
    box.className = p.problems.length ? "error" : "ok";
    box.textContent = `${p.good} ${$("#plan-panel").dataset.tRows}` + (p.problems.length ? "\n" + p.problems.join("\n") : "");
    refreshPlan();
  });
  $("#launch").addEventListener("click", async () => {
    $("#launch").disabled = true;
    const r = await post("/api/launch", formData()), p = await r.json();
    $("#launch").disabled = false;
    if (!r.ok) return showError(p.error);
    if (p.status === "refused") {
      $("#refused-reason").textContent = p.reason; $("#refused").hidden = false; refreshPlan(); return;
    }
    location.href = `/jobs/${p.id}`;
  });
}

// --- Run: events with ids (SSE), chart, progress, log tail, stop / resume -----------------------------------
function initRun() {
  const run = $("#run"), id = run.dataset.job, loss = [], lr = [];
  let lastId = 0, source = null;
  const mem = [], predicted = [];
  const chart = () => {
    drawChart($("#chart"), [{label: "loss", points: loss},
      {label: "lr ×1e3", points: lr.map((p) => [p[0], p[1] * 1e3]), color: "#2ca02c"}]);
    if (mem.length) drawChart($("#memory"), [{label: "measured GiB", points: mem},
      {label: "predicted", points: predicted, color: "#d62728"}]);
    drawSeries(extra);
  };
  const extra = {rewards: {}, evals: {}};
  function onLog(ev) {
    lastId = Number(ev.lastEventId) || lastId;
    const d = JSON.parse(ev.data);
    if (d.step === undefined) return;
    if (d.loss !== undefined) {
      loss.push([d.step, d.loss]);
      const li = document.createElement("li"); li.textContent = d.step; li.dataset.id = ev.lastEventId;
      $("#steps").appendChild(li); $("#steps-count").textContent = String(loss.length);
    }
    if (d.learning_rate !== undefined) lr.push([d.step, d.learning_rate]);
    addSeries(extra, d);
    $("#step").textContent = d.step; $("#max-steps").textContent = d.max_steps;
    $("#progress").max = d.max_steps || 1; $("#progress").value = d.step;
    if (d.monitor_eta_sec !== undefined) $("#eta").textContent = `${Math.round(d.monitor_eta_sec)} s`;
    if (d.peak_mib !== undefined && d.loss !== undefined) {
      mem.push([d.step, d.peak_mib / 1024]); predicted.push([d.step, (d.predicted_peak_mib || 0) / 1024]);
    }
    if (d.peak_mib !== undefined) $("#peak").textContent = `${(d.peak_mib / 1024).toFixed(2)} GiB / ${((d.predicted_peak_mib || 0) / 1024).toFixed(2)} GiB`;
    chart();
  }
  function onStatus(ev) {
    const d = JSON.parse(ev.data);
    setStatus(d.status, d.reason);
    source.close(); source = null;
    showRecord(id);
  }
  function connect() {
    source = new EventSource(`/jobs/${id}/events?after=${lastId}`);
    source.addEventListener("log", onLog);
    source.addEventListener("status", onStatus);
  }
  function setStatus(st, reason) {
    run.dataset.status = st; $("#status").textContent = st; $("#status").className = `st-${st}`;
    $("#stop").disabled = !["running", "queued"].includes(st);
    $("#resume").disabled = ["running", "queued", "refused"].includes(st);
    if (reason) { $("#hint-text").textContent = reason; $("#hint").hidden = false; }
    if ($("#actions")) $("#actions").hidden = st !== "done";
  }
  async function poll() {
    const r = await fetch(`/api/jobs/${id}`);
    if (r.ok) {
      const j = await r.json();
      $("#log").textContent = j.log.join("\n");
      if (!source) setStatus(j.status, j.reason);
    }
  }
  async function act(verb) {
    const r = await post(`/jobs/${id}/${verb}`), j = await r.json();
    if (!r.ok) { $("#hint-text").textContent = j.error; $("#hint").hidden = false; return null; }
    setStatus(j.status); return j;
  }
  $("#stop").addEventListener("click", () => { $("#stop").disabled = true; act("stop"); });
  $("#resume").addEventListener("click", async () => {
    $("#resume").disabled = true;
    if (await act("resume")) { if ($("#record")) $("#record").remove(); if (!source) connect(); }  // running again
  });
  setStatus(run.dataset.status);
  connect(); poll(); setInterval(poll, 2000);
  if ($("#actions")) initActions(id);
}

// --- Run: reward and eval series from the same records (the rule of jobs/summary.py: is_reward_key, is_eval_key)
const EVAL_TIMING = ["eval_runtime", "eval_samples_per_second", "eval_steps_per_second"];
function addSeries(groups, d) {
  for (const [k, v] of Object.entries(d)) {
    if (typeof v !== "number") continue;
    const group = (k === "reward" || (k.startsWith("rewards/") && !k.endsWith("/std"))) ? groups.rewards :
      (k.startsWith("eval_") && !EVAL_TIMING.includes(k)) ? groups.evals : null;
    if (group) (group[k] = group[k] || []).push([d.step, v]);
  }
}
function drawSeries(groups) {
  for (const [box, canvas, series] of [["#reward-box", "#rewards", groups.rewards], ["#eval-box", "#evals", groups.evals]]) {
    const named = Object.entries(series).map(([label, points]) => ({label, points}));
    if (!named.length) continue;
    $(box).hidden = false; $(box).dataset.keys = Object.keys(series).join(" "); drawChart($(canvas), named);
  }
}
// a run that ended while watched: the server renders its record; add that part of the page
async function showRecord(id) {
  if ($("#record")) return;
  const r = await fetch(`/jobs/${id}`);
  if (!r.ok) return;
  const fresh = new DOMParser().parseFromString(await r.text(), "text/html").querySelector("#record");
  if (fresh && !$("#record")) $("#run").after(fresh);
}

// --- Run: actions of a finished run (eval before/after, export, deploy), each a linked job ---------------------
function initActions(id) {
  const box = $("#actions");
  async function refresh() {  // the server renders the linked jobs and scores; swap that part of the page in
    const r = await fetch(`/jobs/${id}`);
    if (!r.ok) return;
    const fresh = new DOMParser().parseFromString(await r.text(), "text/html").querySelector("#actions");
    for (const el of box.querySelectorAll("#linked-jobs, #eval-results, #eval-results + p")) el.remove();
    for (const el of fresh.querySelectorAll("#linked-jobs, #eval-results, #eval-results + p")) box.appendChild(el);
  }
  box.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button.action");
    if (!btn) return;
    btn.disabled = true;
    const r = await post(`/jobs/${id}/actions/${btn.dataset.action}`, {eval_limit: $("#eval-limit").value,
      gguf_type: $("#gguf-type").value, quant_method: $("#quant-method").value, quant_bits: $("#quant-bits").value});
    const j = await r.json();
    $("#action-error").hidden = r.ok; if (!r.ok) $("#action-error").textContent = j.error;
    btn.disabled = false; refresh();
  });
  setInterval(() => { if (box.querySelector('tr[data-status="running"], tr[data-status="queued"]')) refresh(); }, 3000);
}

// --- Compare: overlaid loss curves -------------------------------------------------------------------------
function initCompare() {
  const c = $("#compare-chart");
  if (c) drawChart(c, JSON.parse(c.dataset.curves));
}

// --- Chat: streamed answers from our deploy server -----------------------------------------------------------
function initChat() {
  const box = $("#chat"), history = [];
  function bubble(role, text) {
    const div = document.createElement("div"); div.className = `msg ${role}`; div.textContent = text;
    $("#messages").appendChild(div); return div;
  }
  function dataUrl(file) {  // the picked image as a data URL: the server never opens a path or URL we pass
    return new Promise((ok, fail) => { const fr = new FileReader(); fr.onload = () => ok(fr.result);
      fr.onerror = fail; fr.readAsDataURL(file); });
  }
  async function send() {
    const text = $("#chat-input").value.trim(); if (!text) return;
    const file = $("#chat-image").files[0];
    $("#chat-input").value = ""; bubble("user", file ? `${text} [${file.name}]` : text);
    history.push({role: "user", content: file ? [{type: "text", text},
      {type: "image_url", image_url: {url: await dataUrl(file)}}] : text});
    $("#chat-image").value = "";
    const out = bubble("assistant", box.dataset.tLoading); out.dataset.done = "false";
    const body = {messages: history, system: $("#chat-system").value, job: box.dataset.job,
      model: $("#chat-model").value, temperature: Number($("#chat-temperature").value),
      max_tokens: Number($("#chat-max-tokens").value)};
    const r = await post("/api/chat", body);
    if (!r.ok) { out.textContent = (await r.json()).error; out.className = "msg error"; out.dataset.done = "true"; return; }
    const reader = r.body.getReader(), dec = new TextDecoder(); let answer = "";
    for (;;) {
      const {done, value} = await reader.read(); if (done) break;
      answer += dec.decode(value, {stream: true}); out.textContent = answer;
    }
    history.push({role: "assistant", content: answer}); out.dataset.done = "true";
  }
  $("#chat-send").addEventListener("click", send);
  $("#chat-input").addEventListener("keydown", (e) => { if (e.key === "Enter") send(); });
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  ({new: initNew, run: initRun, compare: initCompare, chat: initChat}[page] || (() => {}))();
});
