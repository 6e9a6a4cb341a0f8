// @ts-check
/**
 * How each variant does (GET /performance): per slot, each variant's pages served, views,
 * clicks and conversions over the chosen period, a small bar chart of views per variant with its
 * click and conversion rates (one row per variant, so no two labels can meet), a sentence per
 * variant, and — first, plainly — that without an experiment these numbers are not causal.
 */
import { $, api, control, el, say, svg } from "./dom.browser.js";
import { errorText, pctText } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").PerformanceReport} PerformanceReport
 * @typedef {import("./admin-api.js").VariantPerformance} VariantPerformance
 */

const view = { minutes: 1440 };

export async function renderPerformance() {
  const box = $("performance-body");
  const select = control("performance-period");
  if (!select.dataset.wired) {
    select.dataset.wired = "1";
    select.addEventListener("change", () => {
      view.minutes = Number(select.value);
      renderPerformance().catch((e) => say("Performance: " + e.message, true));
    });
  }
  /** @type {import("./dom.browser.js").Answer<PerformanceReport>} */
  const r = await api("GET", "/performance?minutes=" + view.minutes);
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "error", text: "Performance unavailable: " + errorText(r) }));
    return;
  }
  const rep = r.json;
  const slots = rep.slots.filter((s) => s.variants.some((v) => v.served > 0 || v.impressions > 0));
  box.replaceChildren(
    el("p", { class: "not-causal", role: "note" }, [el("strong", { text: "Not cause and effect. " }), rep.note]),
    ...(slots.length ? slots.map((s) => slotPerformance(s.slot, s.variants)) : [el("p", { class: "muted", text: "Nothing was shown in this period yet." })]),
  );
}

/**
 * @param {string} slot
 * @param {VariantPerformance[]} variants
 */
function slotPerformance(slot, variants) {
  const shown = variants.filter((v) => v.served > 0 || v.impressions > 0);
  const head = ["Variant", "Pages served", "Views", "Clicks", "Click rate", "Conversions (7 days)", "Conversion rate"];
  const rows = shown.flatMap((v) => [
    el("tr", {}, [
      el("th", { scope: "row" }, [v.variant === "(default)" ? el("span", { class: "muted", text: "the page's own content" }) : el("code", { text: v.variant }), v.experiment ? el("span", { class: "badge", text: "in experiment " + v.experiment }) : null, v.retired ? el("span", { class: "badge warn", text: "no longer live" }) : null]),
      el("td", { class: "num", text: String(v.served) }),
      el("td", { class: "num", text: String(v.impressions) }),
      el("td", { class: "num", text: String(v.clicks) }),
      el("td", { class: "num", text: pctText(v.clickRate, 1) }),
      el("td", { class: "num", text: v.variant === "(default)" ? "—" : String(v.conversions) }),
      el("td", { class: "num", text: v.variant === "(default)" ? "—" : pctText(v.conversionRate, 1) }),
    ]),
    el("tr", { class: "words" }, el("td", { colspan: String(head.length) }, [v.words, ...segmentLines(v)])),
  ]);
  return el("section", { class: "perf-slot", "aria-label": "Performance of slot " + slot }, [
    el("h3", {}, el("code", { text: slot })),
    barChart(slot, shown),
    el("table", { class: "perf" }, [
      el("caption", { class: "visually-hidden", text: "Views, clicks and conversions per variant of " + slot }),
      el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows),
    ]),
  ]);
}

/**
 * For a variant with an audience: the same numbers per segment of it.
 * @param {VariantPerformance} v
 */
function segmentLines(v) {
  if (!v.audience) return [];
  const lines = v.segments.map((s) => el("li", { text: "Visitors in " + s.segment + ": " + s.impressions + " views, " + s.clicks + " clicks, " + s.conversions + " conversions" + (s.impressions ? " (" + pctText(s.conversionRate, 1) + " of views)" : "") + "." }));
  return [el("p", { class: "muted", text: "Audience: " + v.audience }), lines.length ? el("ul", { class: "segment-lines" }, lines) : null];
}

const ROW = 26, LEFT = 150, WIDTH = 700, RIGHT = 280;

/**
 * Views per variant as bars, its rates named at the bar's end; one row each, labels never meet.
 * @param {string} slot
 * @param {VariantPerformance[]} variants
 */
function barChart(slot, variants) {
  const max = Math.max(1, ...variants.map((v) => v.impressions));
  const height = variants.length * ROW + 8;
  const title = "Views per variant of " + slot + ", with click and conversion rates";
  const chart = svg("svg", { class: "perf-chart", viewBox: "0 0 " + WIDTH + " " + height, width: WIDTH, height, role: "img", "aria-label": title });
  chart.append(svg("title", {}, document.createTextNode(title)));
  variants.forEach((v, i) => {
    const y = 4 + i * ROW;
    const w = Math.max(1, ((WIDTH - LEFT - RIGHT) * v.impressions) / max);
    const name = v.variant === "(default)" ? "page's own" : v.variant;
    const g = svg("g", { class: "bar", "data-variant": v.variant });
    g.append(svg("text", { x: LEFT - 8, y: y + ROW / 2 + 4, "text-anchor": "end", class: "label" }, document.createTextNode(name.length > 20 ? name.slice(0, 19) + "…" : name)));
    g.append(svg("rect", { x: LEFT, y: y + 3, width: w, height: ROW - 8, rx: 3, class: v.variant === "(default)" ? "default" : "variant" }));
    const rates = v.impressions ? v.impressions + " views · " + pctText(v.clickRate, 1) + " clicked" + (v.variant === "(default)" ? "" : " · " + pctText(v.conversionRate, 1) + " conv.") : "no views";
    g.append(svg("text", { x: LEFT + w + 6, y: y + ROW / 2 + 4, class: "value" }, document.createTextNode(rates)));
    chart.append(g);
  });
  return el("figure", { class: "perf-figure" }, [chart, el("figcaption", { class: "muted", text: title + "." })]);
}
