// @ts-check
/**
 * Who did what: the audit record (GET /audit), newest first, a page at a time — every publish,
 * rollback, upload, draft publish and discard, with the editor's name (token) or email (Access)
 * and their role.
 */
import { $, api, el } from "./dom.browser.js";
import { errorText } from "./format.browser.js";

/** @typedef {import("./admin-api.js").AuditAnswer} AuditAnswer */

const WORDS = /** @type {Record<string, string>} */ ({
  publish: "published",
  rollback: "rolled back to",
  upload: "uploaded the image",
  "draft.publish": "published the draft as",
  "draft.discard": "discarded the draft",
});

/** @param {string | null} [cursor] */
export async function renderAudit(cursor) {
  const box = $("audit-body");
  /** @type {import("./dom.browser.js").Answer<AuditAnswer>} */
  const r = await api("GET", "/audit?limit=25" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "error", text: "The record is unavailable: " + errorText(r) }));
    return;
  }
  const rows = r.json.entries.map((e) =>
    el("tr", { class: e.outcome === "failed" ? "failed" : "" }, [
      el("td", { text: new Date(e.at).toLocaleString() }),
      el("td", {}, [el("strong", { text: e.who }), el("span", { class: "muted", text: " (" + e.role + ", " + (e.via === "access" ? "Access" : "token") + ")" })]),
      el("td", {}, [(WORDS[e.action] || e.action) + " ", e.action === "draft.discard" ? null : el("code", { text: e.action === "upload" ? e.target.slice(0, 12) + "…" : e.target }), e.previous ? el("span", { class: "muted", text: " (was " + e.previous + ")" }) : null]),
      el("td", { text: (e.outcome === "failed" ? "FAILED — " : "") + (e.detail || "") }),
    ]),
  );
  const table = el("table", { class: "audit" }, [
    el("caption", { class: "visually-hidden", text: "Who published, rolled back, uploaded or discarded what, newest first" }),
    el("thead", {}, el("tr", {}, ["When", "Who", "What", "Details"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: "4", class: "muted", text: "Nothing recorded yet." }))]),
  ]);
  const more = r.json.cursor ? el("button", { type: "button", class: "secondary", text: "Older entries", on: { click: () => void renderAudit(r.json.cursor) } }) : null;
  box.replaceChildren(table, more || "");
}
