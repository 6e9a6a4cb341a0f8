/**
 * The console's Activity view, appended to /__p13n/console.js (same module: it uses the
 * console's `el`, `api`, `$`, `errorText`). It reads GET /stats?minutes= and answers "is it
 * working, and what does it cost me?": requests and the personalized share, decisions by slot
 * and variant (a <meter> per variant: no inline style, which the console's CSP forbids),
 * fallbacks by cause, the budgets' p50/p99, and the reads beyond the requests.
 * (Written without template literals so it can live in this TS string.)
 */
export const ACTIVITY_JS = String.raw`
let activityState = { minutes: 60 };

function fmtMs(x) { return (x < 10 ? x.toFixed(2) : x.toFixed(1)) + " ms"; }
function fmtPct(x) { return (x * 100).toFixed(1) + "%"; }

function tile(label, value, id) {
  return el("div", { class: "tile" }, [el("span", { class: "tile-label", text: label }), el("strong", { class: "tile-value", id: id, text: value })]);
}

async function renderActivity() {
  const box = $("activity-body");
  if (!box) return;
  const select = $("activity-period");
  if (select && !select.dataset.wired) {
    select.dataset.wired = "1";
    select.addEventListener("change", () => { activityState.minutes = Number(select.value); renderActivity().catch((e) => say("Activity: " + e.message, true)); });
  }
  const r = await api("GET", "/stats?minutes=" + activityState.minutes);
  if (!r.ok) { box.replaceChildren(el("p", { class: "error", text: "Activity unavailable: " + errorText(r) })); return; }
  const s = r.json;
  $("activity-source").textContent = s.source === "local" ? "(local stand-in)" : "(Workers Analytics Engine)";
  const total = s.budgets.find((b) => b.budget === "total");
  const fallbackCount = s.fallbacks.reduce((n, f) => n + f.count, 0);
  const tiles = el("div", { class: "tiles" }, [
    tile("Requests", String(s.requests), "act-requests"),
    tile("Pages decided", String(s.pages), "act-pages"),
    tile("Personalized", s.pages ? fmtPct(s.personalizedShare) : "—", "act-share"),
    tile("Fallbacks", String(fallbackCount), "act-fallbacks"),
    tile("Worker time p99", total ? fmtMs(total.p99) : "—", "act-p99"),
  ]);
  const parts = [tiles];
  if (s.requests === 0) {
    parts.push(el("p", { class: "muted", text: "Nothing counted in this period yet. Requests are counted as they are served; Analytics Engine shows them within a minute." }));
    box.replaceChildren(...parts);
    return;
  }
  const perSlot = {};
  for (const d of s.decisions) perSlot[d.slot] = (perSlot[d.slot] || 0) + d.count;
  const dec = el("table", { class: "activity-decisions" }, [
    el("caption", { text: "Decisions by slot and variant" }),
    el("thead", {}, el("tr", {}, ["Slot", "Variant", "Count", "Share of the slot"].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const dbody = el("tbody");
  for (const d of s.decisions) {
    const share = d.count / (perSlot[d.slot] || 1);
    dbody.append(el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: d.slot })),
      el("td", {}, d.variant === "(default)" ? el("span", { class: "muted", text: "default content" }) : el("code", { text: d.variant })),
      el("td", { class: "num", text: String(d.count) }),
      el("td", {}, [el("meter", { min: "0", max: "1", value: String(share), "aria-label": d.slot + " " + d.variant + " share" }), " " + fmtPct(share)]),
    ]));
  }
  dec.append(dbody);
  const fb = el("table", { class: "activity-fallbacks" }, [
    el("caption", { text: "Fallbacks by cause" }),
    el("thead", {}, el("tr", {}, ["Cause", "Count", "Per 100 pages"].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const fbody = el("tbody");
  if (s.fallbacks.length === 0) fbody.append(el("tr", {}, el("td", { colspan: "3", class: "muted", text: "None: every page was decided with all its inputs." })));
  for (const f of s.fallbacks) {
    fbody.append(el("tr", {}, [el("th", { scope: "row" }, el("code", { text: f.cause })), el("td", { class: "num", text: String(f.count) }), el("td", { class: "num", text: s.pages ? (f.count * 100 / s.pages).toFixed(1) : "—" })]));
  }
  fb.append(fbody);
  const bud = el("table", { class: "activity-budgets" }, [
    el("caption", { text: "Budgets on decided pages" }),
    el("thead", {}, el("tr", {}, ["Budget", "p50", "p99"].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const bbody = el("tbody");
  for (const b of s.budgets) bbody.append(el("tr", {}, [el("th", { scope: "row", text: b.budget }), el("td", { class: "num", text: fmtMs(b.p50) }), el("td", { class: "num", text: fmtMs(b.p99) })]));
  bud.append(bbody);
  parts.push(el("div", { class: "activity-grid" }, [dec, el("div", {}, [fb, bud])]));
  parts.push(el("p", { class: "muted", text: "Beyond the requests: " + s.usage.stateReads + " Durable Object snapshot reads, " + s.usage.kvReads + " KV manifest reads. " + s.from.slice(0, 16).replace("T", " ") + " → " + s.to.slice(0, 16).replace("T", " ") + " UTC." }));
  box.replaceChildren(...parts);
}
`;

export const ACTIVITY_CSS = `.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 16px;min-width:150px;display:flex;flex-direction:column}
.tile-label{color:var(--muted);font-size:13px}.tile-value{font-size:24px}
.activity-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;align-items:start}
.activity-grid table{margin:0 0 16px}.activity-grid caption{text-align:left;font-weight:700;padding:4px 0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
meter{width:120px;vertical-align:middle}
#activity-period{margin-left:8px}
@media (max-width:800px){.activity-grid{grid-template-columns:1fr}}
`;
