/**
 * The console's browser script, served as /__p13n/console.js (CSP `script-src 'self'`:
 * no inline script anywhere). Plain ES2020, no framework, no build step. Data is
 * only ever put into the page as text (textContent), never as HTML; variant
 * fragments go into `<iframe sandbox="" srcdoc>` so an editor's HTML cannot run.
 * (Written without template literals so it can live in this TS string.)
 */
export const CONSOLE_JS = String.raw`"use strict";
const API = "/__p13n/admin";
const KEY = "p13n-admin-token";
const $ = (id) => document.getElementById(id);
let state = { current: null, versions: null, via: "" };

function el(tag, props, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = String(v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of [].concat(children || [])) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(method, path, body) {
  const headers = { accept: "application/json" };
  const token = sessionStorage.getItem(KEY);
  if (token) headers.authorization = "Bearer " + token;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
  let json = null;
  try { json = await res.json(); } catch (e) { json = null; }
  return { status: res.status, ok: res.ok, json };
}

function say(text, isError) {
  const s = $("status");
  s.textContent = text;
  s.className = isError ? "error" : "";
}

function showLogin(message) {
  $("app").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("token").focus();
}

async function load() {
  const [cur, ver] = await Promise.all([api("GET", "/current"), api("GET", "/versions")]);
  if (cur.status === 401 || ver.status === 401) return false;
  if (!cur.ok || !ver.ok) { say("The admin API answered " + cur.status + "/" + ver.status + ": " + errorText(cur.ok ? ver : cur), true); return true; }
  state.current = cur.json;
  state.versions = ver.json;
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = sessionStorage.getItem(KEY) ? "Signed in with the admin token" : "Signed in through Cloudflare Access";
  render();
  return true;
}

function errorText(r) {
  return r.json && r.json.error ? r.json.error.code + ": " + r.json.error.message : "HTTP " + r.status;
}

function render() {
  renderSlots();
  renderExperiments();
  renderHistory();
  renderViewAs();
  // The results view (results-view.ts, appended to this script) loads on its own.
  renderResults().catch((e) => say("Results: " + e.message, true));
  // The activity view (activity-view.ts, appended too): requests, decisions, fallbacks, budgets.
  renderActivity().catch((e) => say("Activity: " + e.message, true));
}

function frameDoc(html) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/__p13n/console.css\"></head><body class=\"frame\">" + html + "</body></html>";
}

function renderSlots() {
  const list = $("slot-list");
  list.replaceChildren();
  const summary = state.current && state.current.summary;
  $("live-version").textContent = state.current && state.current.version ? "(live version " + state.current.version + ")" : "";
  if (!summary) { list.append(el("p", { text: "Nothing is published yet: run npx p13n publish." })); return; }
  for (const slot of summary.slots) {
    const variants = el("div", { class: "variants" });
    for (const v of slot.variants) {
      const facts = el("dl");
      const fact = (k, val) => { if (val !== null && val !== undefined && val !== "" && !(Array.isArray(val) && val.length === 0)) facts.append(el("dt", { text: k }), el("dd", { text: Array.isArray(val) ? val.join(", ") : String(val) })); };
      fact("Audience", v.audience || "everyone");
      fact("Priority", v.priority);
      fact("Schedule", v.schedule);
      fact("Cap", v.cap);
      fact("Suppressed when", v.suppressWhen);
      fact("Topics", v.topics);
      if (v.promotional) fact("Promotional", "yes");
      if (v.experimentOnly) fact("Experiment only", "yes");
      variants.append(el("article", { class: "variant", "aria-label": "Variant " + v.id }, [
        el("h4", { text: v.id }),
        el("iframe", { sandbox: "", srcdoc: frameDoc(v.html), title: "Rendered fragment of variant " + v.id, loading: "lazy" }),
        facts,
      ]));
    }
    const head = el("div", { class: "slot-head" }, [el("h3", {}, [el("code", { text: slot.id })]), el("span", { class: "badge", text: slot.variants.length + (slot.variants.length === 1 ? " variant" : " variants") })]);
    if (slot.trusted) head.append(el("span", { class: "badge warn", text: "trusted: fragments not sanitized" }));
    list.append(el("section", { class: "slot", "aria-label": "Slot " + slot.id }, [head, slot.description ? el("p", { class: "muted", text: slot.description }) : null, variants]));
  }
}

function pct(x) { return Math.round(x * 1000) / 10 + "%"; }

function renderExperiments() {
  const list = $("experiment-list");
  list.replaceChildren();
  const exps = (state.current && state.current.summary && state.current.summary.experiments) || [];
  if (exps.length === 0) { list.append(el("p", { text: "No experiments." })); return; }
  const table = el("table", {}, [
    el("caption", { class: "visually-hidden", text: "Experiments and their arms" }),
    el("thead", {}, el("tr", {}, ["Experiment", "Status", "Slots", "Layer", "Traffic", "Holdout", "Arms"].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const body = el("tbody");
  for (const x of exps) {
    const arms = el("ul", { class: "arms" }, x.arms.map((a) => el("li", {}, [el("code", { text: a.id }), " " + pct(a.share) + " (weight " + a.weight + "): " + Object.entries(a.variants).map(([s, v]) => s + "=" + (v === null ? "default" : v)).join(", ")])));
    body.append(el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: x.id })),
      el("td", {}, el("span", { class: "badge" + (x.status === "running" ? " live" : ""), text: x.status })),
      el("td", { text: x.slots.join(", ") }),
      el("td", { text: x.layer || "—" }),
      el("td", { text: pct(x.traffic) }),
      el("td", { text: pct(x.holdout) }),
      el("td", {}, arms),
    ]));
  }
  table.append(body);
  list.append(table);
}

function renderHistory() {
  const rows = $("history-rows");
  rows.replaceChildren();
  for (const v of state.versions.versions) {
    const status = v.current ? el("span", { class: "badge live", text: "live" }) : v.previous ? el("span", { class: "badge", text: "previous" }) : "";
    const action = v.current ? "" : el("button", { type: "button", class: "secondary", "data-version": v.version, text: "Roll back to this", "aria-label": "Roll back to version " + v.version, on: { click: () => confirmRollback(v.version) } });
    rows.append(el("tr", {}, [
      el("td", {}, el("code", { text: v.version })),
      el("td", { text: v.publishedAt ? new Date(v.publishedAt).toLocaleString() : "—" }),
      el("td", { text: v.slots === null ? "—" : v.slots + " / " + v.variants }),
      el("td", {}, status),
      el("td", {}, action),
    ]));
  }
}

function confirmRollback(version) {
  const dialog = $("confirm");
  $("confirm-text").textContent = "The site will serve version " + version + " again on the next request (other locations within the manifest TTL).";
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "ok") return;
    const r = await api("POST", "/rollback", { version });
    if (!r.ok) { say("Rollback failed: " + errorText(r), true); return; }
    await load();
    say("Rolled back: version " + r.json.version + " is live.");
    $("status").focus();
  };
  dialog.showModal();
  $("confirm-ok").focus();
}

function renderViewAs() {
  const select = $("va-version");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: "(live)" }));
  for (const v of state.versions.versions) if (!v.current) select.append(el("option", { value: v.version, text: v.version }));
  select.value = keep;
  const forced = $("va-forced");
  forced.replaceChildren();
  const summary = state.current && state.current.summary;
  for (const slot of (summary ? summary.slots : [])) {
    const id = "va-force-" + slot.id;
    const s = el("select", { id, "data-slot": slot.id }, [el("option", { value: "", text: "(decided by the rules)" })].concat(slot.variants.map((v) => el("option", { value: v.id, text: v.id }))));
    forced.append(el("label", { for: id, text: "Force " + slot.id }), s);
  }
}

function list(s) { return s.split(",").map((x) => x.trim()).filter(Boolean); }

async function createPreview(ev) {
  ev.preventDefault();
  const f = new FormData($("view-form"));
  const profile = {};
  if (f.get("tier")) profile.tier = f.get("tier");
  if (f.get("stage")) profile.stage = f.get("stage");
  if (list(f.get("topics") || "").length) profile.topics = list(f.get("topics"));
  if (f.get("frequency")) profile.frequency = f.get("frequency");
  const attrs = {};
  for (const pair of list(f.get("attrs") || "")) {
    const i = pair.indexOf("=");
    if (i > 0) { const raw = pair.slice(i + 1); attrs[pair.slice(0, i)] = raw === "true" ? true : raw === "false" ? false : raw !== "" && !isNaN(Number(raw)) ? Number(raw) : raw; }
  }
  if (Object.keys(attrs).length) profile.attrs = attrs;
  const context = {};
  if (f.get("device")) context.device = f.get("device");
  if (f.get("country")) context.country = String(f.get("country")).toUpperCase();
  if (f.get("at")) context.at = new Date(f.get("at") + "Z").toISOString();
  const body = { path: f.get("path") || "/" };
  if (Object.keys(profile).length) body.profile = profile;
  if (Object.keys(context).length) body.context = context;
  if (f.get("version")) body.version = f.get("version");
  const variants = {};
  for (const s of document.querySelectorAll("#va-forced select")) if (s.value) variants[s.dataset.slot] = s.value;
  if (Object.keys(variants).length) body.variants = variants;
  const out = $("preview-out");
  const r = await api("POST", "/preview-link", body);
  if (!r.ok) { out.replaceChildren(el("span", { class: "error", text: "No preview link: " + errorText(r) })); return; }
  const a = el("a", { id: "preview-link", href: r.json.url, target: "_blank", rel: "noopener noreferrer", text: "Open the preview" });
  out.replaceChildren(a, " (valid until " + new Date(r.json.expiresAt).toLocaleString() + ")");
  a.focus();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  sessionStorage.setItem(KEY, token);
  $("token").value = "";
  if (!(await load())) { sessionStorage.removeItem(KEY); showLogin("That token was not accepted."); }
});
$("logout").addEventListener("click", () => { sessionStorage.removeItem(KEY); showLogin("Signed out."); });
$("view-form").addEventListener("submit", createPreview);

(async () => {
  // With a token from earlier in this tab, or behind Cloudflare Access (no token needed).
  if (!(await load())) showLogin(sessionStorage.getItem(KEY) ? "Your token was not accepted." : "");
})();
`;
