// @ts-check
/**
 * The Activity view. It reads GET /stats?minutes= and answers "is it working, and what does
 * it cost me?": requests and the personalized share, decisions by slot and variant (a <meter>
 * per variant: no inline style, which the console's CSP forbids), fallbacks by cause, the
 * budgets' p50/p99, and the reads beyond the requests.
 */
import { $, api, control, el, say } from "./dom.browser.js";
import { errorText, fmtMs, fmtPct } from "./format.browser.js";

/** @typedef {import("./admin-api.js").StatsReport} StatsReport */

const activityState = { minutes: 60 };

/**
 * @param {string} label
 * @param {string} value
 * @param {string} id
 */
function tile(label, value, id) {
  return el("div", { class: "tile" }, [el("span", { class: "tile-label", text: label }), el("strong", { class: "tile-value", id, text: value })]);
}

export async function renderActivity() {
  const box = $("activity-body");
  const select = control("activity-period");
  if (!select.dataset.wired) {
    select.dataset.wired = "1";
    select.addEventListener("change", () => {
      activityState.minutes = Number(select.value);
      renderActivity().catch((e) => say("Activity: " + e.message, true));
    });
  }
  /** @type {import("./dom.browser.js").Answer<StatsReport>} */
  const r = await api("GET", "/stats?minutes=" + activityState.minutes);
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "error", text: "Activity unavailable: " + errorText(r) }));
    return;
  }
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
  if (s.requests === 0) {
    box.replaceChildren(tiles, el("p", { class: "muted", text: "Nothing counted in this period yet. Requests are counted as they are served; Analytics Engine shows them within a minute." }));
    return;
  }
  box.replaceChildren(
    tiles,
    el("div", { class: "activity-grid" }, [decisionsTable(s), el("div", {}, [fallbacksTable(s), budgetsTable(s)])]),
    el("p", { class: "muted", text: "Beyond the requests: " + s.usage.stateReads + " Durable Object snapshot reads, " + s.usage.kvReads + " KV manifest reads. " + s.from.slice(0, 16).replace("T", " ") + " → " + s.to.slice(0, 16).replace("T", " ") + " UTC." }),
  );
}

/**
 * A table with a caption and a header row.
 * @param {string} cls
 * @param {string} caption
 * @param {string[]} head
 * @param {HTMLTableRowElement[]} rows
 */
function table(cls, caption, head, rows) {
  return el("table", { class: cls }, [
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows),
  ]);
}

/** @param {StatsReport} s */
function decisionsTable(s) {
  /** @type {Record<string, number>} */
  const perSlot = {};
  for (const d of s.decisions) perSlot[d.slot] = (perSlot[d.slot] || 0) + d.count;
  const rows = s.decisions.map((d) => {
    const share = d.count / (perSlot[d.slot] || 1);
    return el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: d.slot })),
      el("td", {}, d.variant === "(default)" ? el("span", { class: "muted", text: "default content" }) : el("code", { text: d.variant })),
      el("td", { class: "num", text: String(d.count) }),
      el("td", {}, [el("meter", { min: "0", max: "1", value: String(share), "aria-label": d.slot + " " + d.variant + " share" }), " " + fmtPct(share)]),
    ]);
  });
  return table("activity-decisions", "Decisions by slot and variant", ["Slot", "Variant", "Count", "Share of the slot"], rows);
}

/** @param {StatsReport} s */
function fallbacksTable(s) {
  const rows = s.fallbacks.map((f) =>
    el("tr", {}, [el("th", { scope: "row" }, el("code", { text: f.cause })), el("td", { class: "num", text: String(f.count) }), el("td", { class: "num", text: s.pages ? ((f.count * 100) / s.pages).toFixed(1) : "—" })]),
  );
  if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: "3", class: "muted", text: "None: every page was decided with all its inputs." })));
  return table("activity-fallbacks", "Fallbacks by cause", ["Cause", "Count", "Per 100 pages"], rows);
}

/** @param {StatsReport} s */
function budgetsTable(s) {
  const rows = s.budgets.map((b) => el("tr", {}, [el("th", { scope: "row", text: b.budget }), el("td", { class: "num", text: fmtMs(b.p50) }), el("td", { class: "num", text: fmtMs(b.p99) })]));
  return table("activity-budgets", "Budgets on decided pages", ["Budget", "p50", "p99"], rows);
}
