// @ts-check
/**
 * What the console holds between answers, and the one way it changes content: `changeDraft`.
 * Every edit is made on the shared draft (never on the live version): the first edit starts the
 * draft from the live version (`If-None-Match: *`), every later one names the ETag it was made on
 * (`If-Match`). When someone else changed the draft meanwhile, the Worker refuses (409) and says
 * who and what; the console shows that and reloads the draft, so nobody's work is overwritten
 * silently, and the editor makes their change again on what is there now.
 */
import { api, say } from "./dom.browser.js";
import { errorText } from "./format.browser.js";

/**
 * @typedef {import("./admin-api.js").CurrentAnswer} CurrentAnswer
 * @typedef {import("./admin-api.js").DraftInfo} DraftInfo
 * @typedef {import("./admin-api.js").WhoamiAnswer} WhoamiAnswer
 * @typedef {import("./admin-api.js").AttributesAnswer} AttributesAnswer
 * @typedef {import("./admin-api.js").SaveDraftAnswer} SaveDraftAnswer
 * @typedef {import("./admin-api.js").DraftConflict} DraftConflict
 * @typedef {Record<string, unknown>} Doc
 */

export const state = {
  /** @type {CurrentAnswer | null} */
  live: null,
  /** @type {DraftInfo | null} */
  draft: null,
  /** @type {WhoamiAnswer | null} */
  me: null,
  /** @type {AttributesAnswer | null} */
  attributes: null,
};

/** @type {Array<() => void>} */
const listeners = [];

/**
 * Called again whenever the draft or the live version changes (the views re-render).
 * @param {() => void} fn
 */
export function onChange(fn) {
  listeners.push(fn);
}

export function changed() {
  for (const fn of listeners) fn();
}

/**
 * The content being edited: the draft when there is one, else the live version.
 * @returns {Doc}
 */
export function workingDoc() {
  if (state.draft) return state.draft.manifest;
  return /** @type {Doc} */ ((state.live && state.live.manifest) || { schema: 1, slots: {}, segments: {}, experiments: {} });
}

/**
 * A deep copy to change (JSON in, JSON out).
 * @template T
 * @param {T} x
 * @returns {T}
 */
export function copy(x) {
  return /** @type {T} */ (JSON.parse(JSON.stringify(x)));
}

/** Reads the draft again. */
export async function loadDraft() {
  /** @type {import("./dom.browser.js").Answer<import("./admin-api.js").DraftAnswer>} */
  const r = await api("GET", "/draft");
  if (r.ok) state.draft = r.json.draft;
  return r.ok;
}

/**
 * The 409's words: who changed the draft, and what.
 * @param {DraftConflict} c
 */
export function conflictText(c) {
  const what = c.changes && c.changes.length ? " What changed: " + c.changes.join("; ") + "." : "";
  return c.error.message + "." + what;
}

/**
 * Makes a change on the draft: `mutate` edits a copy of the content being edited (return a
 * sentence to refuse the change before anything is sent). Answers null when saved, else why not
 * (which the caller shows beside the form; a conflict is also said on the status line).
 * @param {(doc: Doc) => string | void} mutate
 * @returns {Promise<string | null>}
 */
export async function changeDraft(mutate) {
  const doc = copy(workingDoc());
  delete doc.version;
  delete doc.publishedAt;
  const refused = mutate(doc);
  if (typeof refused === "string") return refused;
  /** @type {Record<string, string>} */
  const headers = state.draft ? { "if-match": '"' + state.draft.etag + '"' } : { "if-none-match": "*" };
  /** @type {import("./dom.browser.js").Answer<SaveDraftAnswer>} */
  const r = await api("PUT", "/draft", { manifest: doc }, headers);
  if (r.ok) {
    state.draft = r.json.draft;
    const removed = r.json.sanitized.length;
    say(removed ? "Saved in the draft. Publishing will remove " + removed + " unsafe part" + (removed === 1 ? "" : "s") + " (see the warnings in the editor)." : "Saved in the draft (not live yet).");
    changed();
    return null;
  }
  if (r.status === 409) {
    const text = conflictText(/** @type {DraftConflict} */ (/** @type {unknown} */ (r.json)));
    await loadDraft();
    changed();
    say(text, true);
    return text;
  }
  const json = /** @type {{ error?: { issues?: Array<{ path: Array<string | number>, message: string }> } } | null} */ (r.json);
  const issues = json && json.error && json.error.issues ? json.error.issues.slice(0, 5).map((i) => i.path.slice(1).join(".") + ": " + i.message) : [];
  return issues.length ? "Not saved: " + issues.join("; ") : "Not saved: " + errorText(r);
}

/**
 * The declared goals (site.yaml `goals`, and each experiment's own `goal`), for the goal picker.
 * @param {Doc} doc
 */
export function declaredGoals(doc) {
  const goals = new Set(/** @type {string[]} */ (doc.goals || []));
  for (const e of Object.values(/** @type {Record<string, Doc>} */ (doc.experiments || {}))) if (typeof e.goal === "string") goals.add(e.goal);
  return [...goals].sort();
}
