// @ts-check
/**
 * The results view. It reads GET /experiments and /experiments/:id/results and shows, in
 * this order: the sample-ratio check (a warning that comes before any lift), each arm's rate
 * with its interval, lift, p-value and probability to beat control — a lift or a probability
 * only once both sides have MIN_CONVERSIONS conversions, else what is missing ("needs 12 more
 * conversions in bold") — each arm's numbers again in plain words, a small SVG chart of each
 * arm's cumulative rate with its 95% interval per day (built with createElementNS: no charting
 * library, no innerHTML; the arms' end labels spread so they never overlap), and the uplift of
 * personalization against the global holdout, in words, under the same rule.
 */
import { $, api, el, svg } from "./dom.browser.js";
import { chartTop, count, errorText, intervalText, needsMore, pctText, pPhrase, pText, signedText, spreadLabels } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").ExperimentsAnswer} ExperimentsAnswer
 * @typedef {import("./admin-api.js").ExperimentReport} ExperimentReport
 */

const ARM_COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490"];
/** The experiment shown, kept when the list is read again. */
const resultsState = { selected: /** @type {string | null} */ (null) };

/** @param {number} x */
const rateText = (x) => pctText(x);

export async function renderResults() {
  const box = $("results-list");
  /** @type {import("./dom.browser.js").Answer<ExperimentsAnswer>} */
  const r = await api("GET", "/experiments");
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "error", text: "Results unavailable: " + errorText(r) }));
    return;
  }
  const items = r.json.experiments || [];
  if (items.length === 0) {
    box.replaceChildren(el("p", { text: "No experiment has results yet." }));
    $("results-detail").replaceChildren();
    return;
  }
  const table = el("table", { class: "results-list" }, [
    el("caption", { class: "visually-hidden", text: "Experiments with units per arm and the sample-ratio check" }),
    el("thead", {}, el("tr", {}, ["Experiment", "Status", "Goal", "Units per arm", "Sample ratio", ""].map((h) => el("th", { scope: "col", text: h })))),
  ]);
  const body = el("tbody");
  for (const x of items) {
    const units = Object.entries(x.units).map(([a, n]) => a + " " + n).join(", ");
    body.append(el("tr", {}, [
      el("th", { scope: "row" }, el("code", { text: x.id })),
      el("td", {}, el("span", { class: "badge" + (x.status === "running" ? " live" : ""), text: x.status + (x.bandit ? " · bandit" : "") })),
      el("td", { text: x.goal || "—" }),
      el("td", { text: units || "—" }),
      el("td", {}, x.srm.flagged ? el("span", { class: "badge warn", text: "mismatch" }) : el("span", { class: "badge", text: "ok" })),
      el("td", {}, el("button", { type: "button", class: "secondary", text: "Show results", "aria-label": "Show results of " + x.id, on: { click: () => showResults(x.id) } })),
    ]));
  }
  table.append(body);
  box.replaceChildren(table);
  // The one chosen before (or while the list loaded), else the first.
  const shown = items.find((x) => x.id === resultsState.selected) || items[0];
  if (shown && (resultsState.selected === null || resultsState.selected === shown.id)) await showResults(shown.id);
}

/** @param {string} id */
async function showResults(id) {
  resultsState.selected = id;
  const out = $("results-detail");
  /** @type {import("./dom.browser.js").Answer<ExperimentReport>} */
  const r = await api("GET", "/experiments/" + encodeURIComponent(id) + "/results");
  // Another experiment was chosen while this one loaded: its answer wins.
  if (resultsState.selected !== id) return;
  if (!r.ok) {
    out.replaceChildren(el("p", { class: "error", text: "No results for " + id + ": " + errorText(r) }));
    return;
  }
  const rep = r.json;
  /** @type {Node[]} */
  const parts = [el("h3", {}, ["Results of ", el("code", { text: rep.experiment }), el("span", { class: "muted", text: " goal " + (rep.goal || "(none declared: no winner judged)") + (rep.bandit ? " · bandit" : "") })])];
  if (rep.droppedConversions > 0) parts.push(el("p", { class: "muted", text: rep.droppedConversions + " conversions on undeclared goals were dropped (declare goals in site.yaml, or as the experiment's goal)." }));
  // 1. The sample-ratio check comes before any lift.
  parts.push(srmNotice(rep));
  // 2. Per arm.
  parts.push(armsTable(rep));
  // 3. Over time.
  parts.push(resultsChart(rep));
  // 4. Does personalization itself pay?
  parts.push(upliftLine(rep));
  out.replaceChildren(...parts);
}

/** @param {ExperimentReport} rep */
function srmNotice(rep) {
  if (!rep.srm.flagged) return el("p", { class: "srm-ok", text: "Sample ratio OK (" + pPhrase(rep.srm.pValue) + ")." });
  return el("div", { class: "srm-warning", role: "alert" }, [
    el("strong", { text: "Sample ratio mismatch" }),
    " (" + pPhrase(rep.srm.pValue) + ", below 0.001): the arms did not receive the visitors their allocation says. Assignment or counting is broken; do not trust the lifts below. Observed " +
      Object.entries(rep.srm.observed).map(([k, v]) => k + " " + v).join(", ") + ", expected " + Object.entries(rep.srm.expected).map(([k, v]) => k + " " + Math.round(v)).join(", ") + ".",
  ]);
}

/**
 * The control arm's numbers, for the comparisons.
 * @param {ExperimentReport} rep
 */
function controlArm(rep) {
  return rep.arms.find((a) => a.id === rep.control);
}

/** @param {ExperimentReport} rep */
function armsTable(rep) {
  const head = ["Arm", "Units", "Converted", "Rate", "95% interval", "Lift vs control", "95% interval", "p-value", "P(beats control)"];
  const control = controlArm(rep);
  const rows = rep.arms.map((a) => {
    const vs = a.vsControl && a.vsControl.rate;
    const missing = a.id === rep.control || !control ? "" : needsMore([{ name: a.id, converted: a.rate.converted }, { name: control.id, converted: control.rate.converted }]);
    const shown = vs && !missing;
    const why = a.id === rep.control ? "" : !rep.judged ? "no goal: not judged" : missing;
    return el("tr", {}, [
      el("th", { scope: "row" }, [el("code", { text: a.id }), a.id === rep.control ? el("span", { class: "muted", text: " control" }) : null]),
      el("td", { text: count(a.rate.units) }),
      el("td", { text: count(a.rate.converted) }),
      el("td", { text: pctText(a.rate.rate) }),
      el("td", { text: intervalText(a.rate.interval, rateText) }),
      shown ? el("td", { text: signedText(vs.lift) }) : el("td", { class: "muted", colspan: "4", text: why }),
      ...(shown ? [el("td", { text: intervalText(vs.interval, signedText) }), el("td", { text: pText(vs.pValue) }), el("td", { text: pctText(vs.probBeatsControl, 1) })] : []),
    ]);
  });
  const h = rep.holdout;
  if (h) rows.push(el("tr", { class: "muted" }, [el("th", { scope: "row", text: "holdout" }), el("td", { text: count(h.units) }), el("td", { text: count(h.rate.converted) }), el("td", { text: pctText(h.rate.rate) }), el("td", { text: intervalText(h.rate.interval, rateText) }), el("td", { colspan: "4", text: "kept on the page's own content, measured" })]));
  return el("div", { class: "results-arms-block" }, [
    el("table", { class: "results-arms" + (rep.trustworthy ? "" : " suspect") }, [
      el("caption", { class: "visually-hidden", text: "Conversion rate per arm against the control" }),
      el("thead", {}, el("tr", {}, head.map((t) => el("th", { scope: "col", text: t })))),
      el("tbody", {}, rows),
    ]),
    el("ul", { class: "plain-words" }, rep.arms.map((a) => el("li", { text: armWords(rep, a) }))),
  ]);
}

/**
 * One arm's numbers in a sentence: what happened, how sure, and against control only with enough data.
 * @param {ExperimentReport} rep
 * @param {ExperimentReport["arms"][number]} a
 */
function armWords(rep, a) {
  const goal = rep.goal || "the goal";
  if (!rep.judged) return a.id + ": " + count(a.rate.units) + " visitors, " + count(a.impressions) + " impressions, " + count(a.clicks) + " clicks. No goal is declared for this experiment, so no arm is judged better.";
  const rate = a.rate.rate === null ? "" : " (" + pctText(a.rate.rate, 1) + ")";
  const range = a.rate.interval ? "; the true rate is likely between " + pctText(a.rate.interval[0], 1) + " and " + pctText(a.rate.interval[1], 1) : "";
  const base = a.id + ": " + count(a.rate.converted) + " of " + count(a.rate.units) + " visitors reached " + goal + rate + range + ".";
  const control = controlArm(rep);
  if (a.id === rep.control || !control) return base + " The others are compared with it.";
  const missing = needsMore([{ name: a.id, converted: a.rate.converted }, { name: control.id, converted: control.rate.converted }]);
  const vs = a.vsControl && a.vsControl.rate;
  if (missing || !vs) return base + " Too early to compare with " + control.id + ": it " + (missing || "needs conversions in both arms") + ".";
  const dir = vs.lift === null ? "" : vs.lift >= 0 ? signedText(vs.lift).slice(1) + " more" : signedText(vs.lift).slice(1) + " fewer";
  const chance = vs.pValue === null ? "" : " A difference this large would turn up by chance " + (vs.pValue < 0.0001 ? "less than 0.01%" : pctText(vs.pValue, 1)) + " of the time if the arms were alike;";
  return base + " Against " + control.id + ": " + dir + " conversions per visitor (likely " + intervalText(vs.interval, signedText) + ")." + chance + " the chance it truly beats " + control.id + " is " + pctText(vs.probBeatsControl, 1) + ".";
}

/** @param {ExperimentReport} rep */
function upliftLine(rep) {
  const u = rep.holdoutUplift;
  if (!u) return el("p", { class: "uplift muted", text: "Personalization vs global holdout: no global holdout data yet." });
  const p = u.personalized;
  const h = u.holdout;
  const said = "Visitors who got personalized content: " + count(p.converted) + " of " + count(p.units) + " converted (" + pctText(p.rate, 1) + "). Visitors held out of all personalization: " + count(h.converted) + " of " + count(h.units) + " (" + pctText(h.rate, 1) + ").";
  const missing = needsMore([{ name: "the personalized group", converted: p.converted }, { name: "the holdout", converted: h.converted }]);
  const srm = u.srm && u.srm.flagged ? " Warning: the holdout split itself is mismatched, so this comparison is suspect." : "";
  if (missing) return el("p", { class: "uplift" }, [el("strong", { text: "Does personalization pay? " }), said + " Too early to say: it " + missing + "." + srm]);
  return el("p", { class: "uplift" }, [el("strong", { text: "Does personalization pay? " }),
    said + " Personalization vs global holdout: uplift " + signedText(u.rate.lift) + " " + intervalText(u.rate.interval, signedText) + ", " + pPhrase(u.rate.pValue) + "; the chance personalization truly beats the holdout is " + pctText(u.rate.probBeatsHoldout, 1) + "." + srm]);
}

const W = 640, H = 260, L = 56, R = 110, T = 16, B = 36;

/** @param {ExperimentReport} rep */
function resultsChart(rep) {
  const days = rep.daily || [];
  const arms = rep.arms.map((a) => a.id).concat(rep.holdout ? ["holdout"] : []);
  const figure = el("figure", { class: "results-figure" });
  const title = "Cumulative " + (rep.goal || "conversion") + " rate per arm with 95% intervals, by day";
  if (days.length === 0) {
    figure.append(el("p", { class: "muted", text: "No daily data yet." }));
    return figure;
  }
  const top = chartTop(days, arms);
  /** @param {number} i */
  const x = (i) => L + (days.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (days.length - 1));
  /** @param {number} v */
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const chart = svg("svg", { class: "results-chart", viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": title });
  chart.append(svg("title", {}, document.createTextNode(title)));
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    chart.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    chart.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, document.createTextNode(pctText(v, 1))));
  }
  days.forEach((d, i) => {
    if (days.length <= 8 || i % Math.ceil(days.length / 8) === 0 || i === days.length - 1) chart.append(svg("text", { x: x(i), y: H - B + 18, "text-anchor": "middle", class: "tick" }, document.createTextNode(d.day.slice(5))));
  });
  const series = arms.map((a, n) => armSeries(days, a, ARM_COLOURS[n % ARM_COLOURS.length] || "currentColor", x, y)).filter((g) => g !== null);
  // The arms' end labels: at their last rate, spread so no two overlap (14 px apart at least).
  const labels = series.map((g) => /** @type {SVGTextElement} */ (g.querySelector("text.label")));
  const spread = spreadLabels(labels.map((t) => Number(t.getAttribute("y"))), 14, T + 10, H - B);
  labels.forEach((t, i) => t.setAttribute("y", String(spread[i])));
  for (const g of series) chart.append(g);
  figure.append(chart, el("figcaption", { class: "muted", text: title + ". Shaded: the Wilson interval." }));
  return figure;
}

/**
 * One arm on the chart: its interval as a band, its rate as a line with points, its last rate named.
 * @param {ExperimentReport["daily"]} days
 * @param {string} a
 * @param {string} colour
 * @param {(i: number) => number} x
 * @param {(v: number) => number} y
 */
function armSeries(days, a, colour, x, y) {
  /** @type {Array<{ i: number, rate: number, interval: readonly [number, number] }>} */
  const pts = [];
  days.forEach((d, i) => {
    const s = d.arms[a];
    if (s && s.rate !== null && s.interval) pts.push({ i, rate: s.rate, interval: s.interval });
  });
  const last = pts[pts.length - 1];
  if (!last) return null;
  const upper = pts.map((p) => x(p.i) + "," + y(p.interval[1]));
  const lower = pts.slice().reverse().map((p) => x(p.i) + "," + y(p.interval[0]));
  const g = svg("g", { class: "arm", "data-arm": a });
  g.append(svg("polygon", { points: upper.concat(lower).join(" "), fill: colour, "fill-opacity": 0.14, stroke: "none", class: "band" }));
  g.append(svg("polyline", { points: pts.map((p) => x(p.i) + "," + y(p.rate)).join(" "), fill: "none", stroke: colour, "stroke-width": 2.5, "stroke-dasharray": a === "holdout" ? "5 4" : null, class: "rate" }));
  for (const p of pts) g.append(svg("circle", { cx: x(p.i), cy: y(p.rate), r: 3, fill: colour }));
  g.append(svg("text", { x: W - R + 8, y: y(last.rate) + 4, fill: colour, class: "label" }, document.createTextNode(a + " " + pctText(last.rate, 1))));
  return g;
}
