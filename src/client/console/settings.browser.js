// @ts-check
/**
 * Named audiences (segments.yaml) and the site's settings (site.yaml: the global holdout,
 * declared goals, page categories and topics, the promotion policy), edited like everything
 * else: in the draft.
 */
import { confirmDialog, openDialog } from "./dialog.browser.js";
import { $, el, field } from "./dom.browser.js";
import { formToSite, siteToForm } from "./site-model.browser.js";
import { ruleBuilder } from "./rule-builder.browser.js";
import { nodeToRule, ruleText, ruleToNode } from "./rules.browser.js";
import { changeDraft, declaredGoals, state, workingDoc } from "./state.browser.js";

/**
 * @typedef {Record<string, unknown>} Doc
 * @typedef {import("./rules.browser.js").Rule} Rule
 */

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Renders the segments and the site settings of the content being edited. */
export function renderSettings() {
  const doc = workingDoc();
  const canEdit = Boolean(state.me && state.me.may.draft);
  $("new-segment").hidden = !canEdit;
  $("edit-site").hidden = !canEdit;
  const segments = Object.entries(/** @type {Record<string, Rule>} */ (doc.segments || {}));
  $("segment-list").replaceChildren(
    segments.length === 0
      ? el("p", { text: "No segments yet." })
      : el("ul", { class: "segments" }, segments.map(([id, rule]) => el("li", {}, [
          el("code", { text: id }), ": ", el("span", { text: ruleText(rule) }), " ",
          canEdit ? el("button", { type: "button", class: "secondary small", text: "Edit", "aria-label": "Edit segment " + id, on: { click: () => editSegment(id) } }) : null,
          canEdit ? el("button", { type: "button", class: "secondary small danger-text", text: "Delete", "aria-label": "Delete segment " + id, on: { click: () => removeSegment(id) } }) : null,
        ]))),
  );
  const holdout = /** @type {Doc | undefined} */ (doc.holdout);
  const pages = /** @type {Doc[]} */ (doc.pages || []);
  $("site-summary").replaceChildren(el("dl", { class: "facts" }, [
    el("dt", { text: "Goals counted" }), el("dd", { text: declaredGoals(doc).join(", ") || "none declared" }),
    el("dt", { text: "Global holdout" }), el("dd", { text: holdout ? Math.round(Number(holdout.share) * 1000) / 10 + "% of visitors see no personalization" : "none" }),
    el("dt", { text: "Page categories" }), el("dd", { text: pages.length ? pages.map((p) => p.pattern + " → " + p.category).join("; ") : "from the pages' own meta tags" }),
  ]));
}

/** @param {string} id */
function removeSegment(id) {
  confirmDialog("Delete segment " + id + "?", ["Rules that name it must be changed first, or the draft is refused."], "Delete segment", () =>
    changeDraft((doc) => {
      delete /** @type {Record<string, unknown>} */ (doc.segments)[id];
    }),
  );
}

/** @param {string | null} segmentId null: a new segment */
export function editSegment(segmentId) {
  const doc = workingDoc();
  const all = /** @type {Record<string, Rule>} */ (doc.segments || {});
  const name = el("input", { id: "sg-id", value: segmentId || "", maxlength: 64, autocomplete: "off" });
  if (segmentId) name.readOnly = true;
  let node = segmentId && all[segmentId] ? ruleToNode(all[segmentId]) : { kind: /** @type {const} */ ("condition"), attr: "profile.tier", op: "eq", value: "" };
  const builder = ruleBuilder({ name: "Who is in it", node, segments: Object.keys(all).filter((s) => s !== segmentId), attributes: state.attributes ? state.attributes.attributes : [], none: "Nobody", onChange: (n) => (node = /** @type {typeof node} */ (n)) });
  openDialog({
    title: segmentId ? "Segment " + segmentId : "New segment",
    className: "wide",
    body: [field("Segment name", name), builder],
    onSave: async () => {
      const id = name.value.trim();
      if (!ID.test(id)) return "The segment name must be letters, digits, '-', '_' or '.', starting with a letter or digit.";
      if (!node) return "A segment needs a rule.";
      const rule = nodeToRule(node);
      return changeDraft((d) => {
        const segs = /** @type {Record<string, unknown>} */ (d.segments || (d.segments = {}));
        if (!segmentId && segs[id]) return "There is already a segment named " + id + ".";
        segs[id] = rule;
      });
    },
  });
}

/** The site settings' editor. */
export function editSite() {
  const f = siteToForm(workingDoc());
  const goals = el("input", { id: "site-goals", value: f.goals, placeholder: "purchase, checkout" });
  const share = el("input", { id: "site-holdout", type: "number", min: 0, max: 100, step: "any", value: f.holdoutShare });
  const salt = el("input", { id: "site-holdout-salt", value: f.holdoutSalt });
  const quiet = el("input", { id: "site-quiet", type: "number", min: 0, step: "any", value: f.quietHours, placeholder: "24" });
  const serviceCase = el("input", { id: "site-service-case", type: "checkbox" });
  serviceCase.checked = f.serviceCase;
  const pagesBox = el("div", { class: "pages-editor" });
  const drawPages = () =>
    pagesBox.replaceChildren(
      ...f.pages.map((p, i) => {
        const n = i + 1;
        const pattern = el("input", { id: "site-page-" + n + "-pattern", value: p.pattern });
        const category = el("input", { id: "site-page-" + n + "-category", value: p.category });
        const topics = el("input", { id: "site-page-" + n + "-topics", value: p.topics });
        pattern.addEventListener("input", () => (p.pattern = pattern.value));
        category.addEventListener("input", () => (p.category = category.value));
        topics.addEventListener("input", () => (p.topics = topics.value));
        return el("div", { class: "arm", role: "group", "aria-label": "Page mapping " + n }, [field("Pages " + n + " (pattern)", pattern), field("Category", category), field("Topics", topics), el("button", { type: "button", class: "secondary small", text: "Remove", on: { click: () => { f.pages.splice(i, 1); drawPages(); } } })]);
      }),
      el("button", { type: "button", class: "secondary small", text: "Add a page mapping", on: { click: () => { f.pages.push({ pattern: "/", category: "", topics: "" }); drawPages(); } } }),
    );
  drawPages();
  openDialog({
    title: "Site settings",
    className: "wide",
    body: [
      field("Goals counted in results", goals, "Comma-separated: a conversion on any other name is dropped."),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Global holdout" }), field("Share of all visitors kept out of personalization (%)", share), field("Holdout salt", salt)]),
      el("fieldset", {}, [el("legend", { text: "Page categories and topics (* matches anything)" }), pagesBox]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Promotions" }), field("Quiet hours after a conversion", quiet), el("div", { class: "field check" }, [serviceCase, el("label", { for: "site-service-case", text: "No promotion during an open service case" })])]),
    ],
    onSave: async () => {
      Object.assign(f, { goals: goals.value, holdoutShare: share.value, holdoutSalt: salt.value, quietHours: quiet.value, serviceCase: serviceCase.checked });
      if (f.holdoutShare !== "" && !f.holdoutSalt) return "A global holdout needs a salt (any text).";
      const site = formToSite(f);
      return changeDraft((d) => {
        for (const k of ["holdout", "goals", "pages", "policy"]) delete d[k];
        Object.assign(d, site);
      });
    },
  });
}
