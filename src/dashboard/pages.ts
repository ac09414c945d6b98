/**
 * The dashboard's two pages (and the one shown without the access token), each one self-contained HTML document.
 * No data is put in the HTML: the inline script fetches it and builds the DOM with textContent (never innerHTML), so
 * agent output cannot become markup.
 */

const CSS = `
:root { color-scheme: light; --fg:#1d2330; --muted:#5c667a; --line:#dde2ea; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; align-items:center; gap:12px; padding:12px 20px; background:#1d2330; color:#fff; }
header.top h1 { font-size:16px; margin:0; font-weight:600; }
header.top a { color:#fff; text-decoration:none; }
header.top .live { margin-left:auto; font-size:12px; color:#aeb7c7; }
main { padding:16px 20px; max-width:1400px; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); background:#fafbfc; }
td.id a { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; color:#1f5fbf; }
td.cwd { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; color:var(--muted); word-break:break-all; }
td.summary { max-width:420px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:#7a8699; white-space:nowrap; }
.s-queued { background:#7a8699; } .s-running { background:#1f6fd1; } .s-input_required, .s-auth_required { background:#c77700; }
.s-completed { background:#1c8a4a; } .s-failed { background:#c62f2f; } .s-cancelled { background:#6b5b95; }
.empty { padding:24px; color:var(--muted); text-align:center; background:var(--card); border:1px solid var(--line); }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px 16px; margin-bottom:14px; }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:4px 14px; margin:0; }
dl.meta dt { color:var(--muted); } dl.meta dd { margin:0; font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; word-break:break-all; }
.pending { border:2px solid #c77700; background:#fff6e6; }
.pending h2 { color:#8a5200; }
.failure { border-color:#c62f2f; background:#fdeeee; }
h2 { font-size:15px; margin:0 0 8px; }
ol.timeline { list-style:none; margin:0; padding:0; }
ol.timeline li { display:grid; grid-template-columns:48px 90px 150px 1fr; gap:10px; padding:6px 8px; border-bottom:1px solid var(--line); }
ol.timeline li .seq, ol.timeline li .time { color:var(--muted); font-size:12px; font-family:ui-monospace, SFMono-Regular, Menlo, monospace; }
ol.timeline li .type { font-weight:600; font-size:12px; }
ol.timeline li.t-input_required, ol.timeline li.t-auth_required { background:#fff6e6; }
ol.timeline li.t-run_failed { background:#fdeeee; } ol.timeline li.t-run_completed { background:#eef8f1; }
.body { min-width:0; }
pre { margin:4px 0; padding:8px; background:#f1f3f6; border:1px solid var(--line); border-radius:4px; white-space:pre-wrap; word-break:break-word; max-height:480px; overflow:auto; font-size:12px; }
code { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
button { font:inherit; font-size:12px; padding:2px 8px; cursor:pointer; }
.muted { color:var(--muted); }
.error { color:#c62f2f; }
`;

function htmlDocument(title: string, nonce: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,">
<style nonce="${nonce}">${CSS}</style></head>
<body>
<header class="top"><h1><a href="/">orchestration-mcp</a></h1><span id="crumb"></span><span class="live" id="live">connecting…</span></header>
<main>${body}</main>
<script nonce="${nonce}">${COMMON_JS}${script}</script>
</body></html>`;
}

/** Helpers shared by both pages: element building with textContent only. */
const COMMON_JS = `
"use strict";
function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === "text") node.textContent = attrs[k];
    else if (k === "className") node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return node;
}
function badge(status) { return el("span", { className: "badge s-" + String(status).replace(/[^a-z_]/g, ""), text: status }); }
function age(iso) {
  var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + "s"; if (s < 3600) return Math.floor(s / 60) + "m";
  if (s < 86400) return Math.floor(s / 3600) + "h"; return Math.floor(s / 86400) + "d";
}
function usageText(usage) {
  if (!usage || typeof usage !== "object") return "";
  var out = [];
  if (typeof usage.input_tokens === "number" || typeof usage.output_tokens === "number")
    out.push((usage.input_tokens || 0) + " in / " + (usage.output_tokens || 0) + " out");
  if (typeof usage.cost_usd === "number") out.push("$" + usage.cost_usd.toFixed(4));
  return out.join(" · ");
}
function setLive(text) { document.getElementById("live").textContent = text; }
function show(value) { return typeof value === "string" ? value : JSON.stringify(value, null, 2); }
`;

const LIST_JS = `
var rows = document.getElementById("rows");
var lastRuns = [];
function render(runs) {
  lastRuns = runs;
  var table = document.getElementById("runs");
  var empty = document.getElementById("empty");
  table.hidden = runs.length === 0; empty.hidden = runs.length !== 0;
  var fresh = runs.map(function (r) {
    var link = el("a", { href: "/runs/" + encodeURIComponent(r.run_id), text: r.run_id });
    return el("tr", { "data-run-id": r.run_id }, [
      el("td", { className: "status" }, [badge(r.status)]),
      el("td", { className: "id" }, [link]),
      el("td", { text: r.backend }),
      el("td", { text: r.role }),
      el("td", { className: "age", title: r.created_at, text: age(r.created_at) }),
      el("td", { className: "cwd", text: r.cwd }),
      el("td", { className: "summary", title: r.summary || "", text: r.summary || (r.error ? r.error.message : "") }),
      el("td", { className: "usage", text: usageText(r.result && r.result.usage) }),
    ]);
  });
  rows.replaceChildren.apply(rows, fresh);
  document.getElementById("count").textContent = runs.length + (runs.length === 1 ? " run" : " runs");
}
var source = new EventSource("/api/runs/stream");
source.addEventListener("runs", function (e) { render(JSON.parse(e.data).runs); setLive("live · updated " + new Date().toLocaleTimeString()); });
source.addEventListener("failure", function (e) { setLive("error: " + JSON.parse(e.data).message); });
source.onerror = function () { setLive("reconnecting…"); };
setInterval(function () { render(lastRuns); }, 5000);
`;

export function listPage(nonce: string): string {
  return htmlDocument(
    "Runs · orchestration-mcp",
    nonce,
    `<h2>Runs <span class="muted" id="count"></span></h2>
<div class="empty" id="empty" hidden>No runs yet.</div>
<table id="runs" hidden><thead><tr><th>Status</th><th>Run</th><th>Backend</th><th>Role</th><th>Age</th><th>Cwd</th><th>Summary</th><th>Tokens / cost</th></tr></thead>
<tbody id="rows"></tbody></table>`,
    LIST_JS,
  );
}

const RUN_JS = `
var runId = decodeURIComponent(location.pathname.split("/")[2] || "");
document.getElementById("crumb").textContent = "/ " + runId;
document.title = runId + " · orchestration-mcp";
var timeline = document.getElementById("timeline");
var lastSeq = 0;

function meta(pairs) {
  var dl = el("dl", { className: "meta" });
  pairs.forEach(function (p) { if (p[1] !== undefined && p[1] !== null && p[1] !== "") { dl.appendChild(el("dt", { text: p[0] })); dl.appendChild(el("dd", { text: String(p[1]) })); } });
  return dl;
}
function renderRun(run) {
  var head = document.getElementById("head");
  head.replaceChildren(
    el("h2", {}, [badge(run.status), " ", el("code", { text: run.run_id })]),
    meta([["backend", run.backend], ["role", run.role], ["cwd", run.cwd], ["session", run.session_id],
      ["previous run", run.previous_run_id], ["created", run.created_at], ["updated", run.updated_at],
      ["completed", run.completed_at], ["events", run.last_seq], ["summary", run.summary]]));
  var pending = document.getElementById("pending");
  pending.hidden = !run.pending_input;
  if (run.pending_input) {
    var p = run.pending_input;
    var parts = [el("h2", { text: "Waiting for " + (run.status === "auth_required" ? "authorization" : "input") + " (" + p.kind + ")" })];
    if (p.text) parts.push(el("pre", { text: p.text }));
    if (p.tool) parts.push(el("div", {}, ["tool: ", el("code", { text: show(p.tool) })]));
    if (p.input !== undefined) parts.push(el("pre", { text: show(p.input) }));
    parts.push(el("div", { className: "muted", text: "Answer with: orchestration-mcp runs continue " + run.run_id + " \\"…\\" (or continue_run)" }));
    pending.replaceChildren.apply(pending, parts);
  }
  var result = document.getElementById("result");
  result.hidden = !run.result && !run.error;
  result.className = "card" + (run.error ? " failure" : "");
  if (run.result) {
    var items = [el("h2", { text: "Result" }), el("pre", { className: "final", text: run.result.final_response || "" })];
    if (run.result.structured_output !== undefined) items.push(el("pre", { text: show(run.result.structured_output) }));
    var u = usageText(run.result.usage); if (u) items.push(el("div", { className: "muted", text: u }));
    result.replaceChildren.apply(result, items);
  } else if (run.error) {
    result.replaceChildren(el("h2", { text: "Error: " + run.error.code }), el("pre", { text: run.error.message }));
  }
}
function folded(label, text) {
  return el("details", {}, [el("summary", { text: label }), el("pre", { text: text })]);
}
function artifactLoader(ev, ref) {
  var box = el("div", { className: "artifact", "data-field-path": ref.field_path });
  var pre = el("pre", { className: "artifact-content" }); pre.hidden = true;
  var status = el("span", { className: "muted" });
  var button = el("button", { type: "button", text: "open artifact " + ref.field_path + " (" + ref.total_bytes + " bytes)" });
  var offset = 0;
  button.addEventListener("click", function () {
    button.disabled = true; status.textContent = " loading…";
    var q = "seq=" + ev.seq + "&field_path=" + encodeURIComponent(ref.field_path) + "&offset=" + offset;
    fetch("/api/runs/" + encodeURIComponent(runId) + "/artifact?" + q).then(function (r) { return r.json(); }).then(function (page) {
      if (page.error) throw new Error(page.error.message);
      pre.hidden = false; pre.appendChild(document.createTextNode(page.content));
      offset = page.next_offset;
      status.textContent = " " + offset + " / " + page.total_bytes + " bytes";
      if (page.has_more) { button.disabled = false; button.textContent = "load more of " + ref.field_path; } else button.hidden = true;
    }).catch(function (e) { button.disabled = false; status.textContent = " " + e.message; status.className = "error"; });
  });
  box.append(button, status, pre);
  return box;
}
function eventBody(ev) {
  var d = ev.data || {}, out = [];
  switch (ev.type) {
    case "agent_message": case "reasoning": out.push(el("div", { text: d.text || "" })); break;
    case "command_started": case "command_updated": out.push(el("code", { text: "$ " + d.command })); break;
    case "command_finished":
      out.push(el("code", { text: "$ " + d.command + "  → exit " + d.exit_code }));
      if (d.stdout) out.push(folded("stdout (" + String(d.stdout).length + " chars" + (d.artifact_refs ? ", preview" : "") + ")", d.stdout));
      if (d.stderr) out.push(folded("stderr", d.stderr));
      break;
    case "file_changed":
      var ul = el("ul");
      (Array.isArray(d.changes) ? d.changes : []).forEach(function (c) {
        ul.appendChild(el("li", { text: c && typeof c === "object" && c.path ? (c.kind ? c.kind + " " : "") + c.path : show(c) }));
      });
      out.push(ul); break;
    case "tool_started": out.push(el("code", { text: String(d.tool) })); if (d.input !== undefined) out.push(folded("input", show(d.input))); break;
    case "tool_finished":
      out.push(el("code", { text: String(d.tool) + (d.is_error ? " (error)" : "") }));
      if (d.output !== undefined) out.push(folded("output", show(d.output))); break;
    case "status_changed": out.push(el("div", { text: d.status + (d.reason ? " (" + d.reason + ")" : "") })); break;
    case "input_required": case "auth_required": out.push(el("strong", { text: (d.kind || "") + ": " + (d.text || "") })); break;
    case "run_completed": out.push(el("pre", { text: d.final_response || "" })); break;
    case "run_failed": out.push(el("div", { className: "error", text: (d.code ? d.code + ": " : "") + (d.message || "") })); break;
    case "run_cancelled": out.push(el("div", { text: d.reason || "" })); break;
    default: out.push(folded("data", show(d)));
  }
  if (Array.isArray(d.artifact_refs)) d.artifact_refs.forEach(function (ref) { out.push(artifactLoader(ev, ref)); });
  return out;
}
function addEvent(ev) {
  if (ev.seq <= lastSeq) return;
  lastSeq = ev.seq;
  var time = new Date(ev.ts);
  timeline.appendChild(el("li", { className: "t-" + String(ev.type).replace(/[^a-z_]/g, ""), "data-seq": String(ev.seq) }, [
    el("span", { className: "seq", text: "#" + ev.seq }),
    el("span", { className: "time", title: ev.ts, text: isNaN(time) ? ev.ts : time.toLocaleTimeString() }),
    el("span", { className: "type", text: ev.type }),
    el("div", { className: "body" }, eventBody(ev)),
  ]));
  document.getElementById("event-count").textContent = "(" + lastSeq + ")";
}
var source;
function connect() {
  source = new EventSource("/api/runs/" + encodeURIComponent(runId) + "/events?after=" + lastSeq);
  source.addEventListener("run_event", function (e) { addEvent(JSON.parse(e.data)); setLive("live"); });
  source.addEventListener("run", function (e) { renderRun(JSON.parse(e.data)); });
  source.addEventListener("end", function (e) { source.close(); setLive("run " + JSON.parse(e.data).status); });
  source.addEventListener("failure", function (e) { source.close(); setLive("error: " + JSON.parse(e.data).message); });
  source.onerror = function () { setLive("reconnecting…"); };
}
fetch("/api/runs/" + encodeURIComponent(runId)).then(function (r) { return r.json(); }).then(function (run) {
  if (run.error) { setLive("error: " + run.error.message); return; }
  renderRun(run); connect();
});
`;

export function runPage(nonce: string): string {
  return htmlDocument(
    "Run · orchestration-mcp",
    nonce,
    `<section class="card" id="head"><span class="muted">loading…</span></section>
<section class="card pending" id="pending" hidden></section>
<section class="card" id="result" hidden></section>
<section class="card"><h2>Timeline <span class="muted" id="event-count"></span></h2><ol class="timeline" id="timeline"></ol></section>`,
    RUN_JS,
  );
}

/** Shown to a browser without the access cookie: no data, no script, only what to do. */
export function unauthorizedPage(nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not signed in · orchestration-mcp</title><link rel="icon" href="data:,">
<style nonce="${nonce}">${CSS}</style></head>
<body><main><section class="card"><h2>This page needs the dashboard's access token</h2>
<p>Open the URL that <code>orchestration-mcp dashboard</code> printed when it started (it ends in <code>?token=…</code>).
A new token is made each time the dashboard starts.</p></section></main></body></html>`;
}
