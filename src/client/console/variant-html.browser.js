// @ts-check
/**
 * A variant's HTML as the editor writes it (variant-editor.browser.js): the sanitizer's warnings
 * as they type (POST /sanitize), a live rendering in a sandboxed frame (it cannot run), and an
 * image upload that puts the image in the HTML at the cursor.
 */
import { api, el, field } from "./dom.browser.js";
import { errorText, frameDoc } from "./format.browser.js";
import { workingDoc } from "./state.browser.js";

/**
 * @typedef {Record<string, unknown>} Doc
 * @typedef {import("./admin-api.js").SanitizeAnswer} SanitizeAnswer
 * @typedef {import("./admin-api.js").StoredImage} StoredImage
 */

/**
 * The HTML field, its warnings and live rendering, and the image upload, for a variant of `slot`.
 * @param {string} slot
 * @param {string} value the HTML as it is
 * @returns {{ textarea: HTMLTextAreaElement, parts: HTMLElement[] }}
 */
export function htmlEditor(slot, value) {
  const html = el("textarea", { id: "ve-html", rows: 9, spellcheck: "false", class: "code" });
  html.value = value;
  const warnings = el("ul", { id: "ve-warnings", class: "warnings", "aria-live": "polite" });
  const frame = el("iframe", { sandbox: "", title: "Live rendering of this variant", class: "live-frame" });
  const image = el("input", { id: "ve-image", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" });
  const alt = el("input", { id: "ve-alt", placeholder: "what the image shows" });
  alt.value = "";
  const imageStatus = el("p", { class: "hint", role: "status" });

  let timer = 0;
  const refresh = () => {
    frame.srcdoc = frameDoc(html.value);
    clearTimeout(timer);
    timer = window.setTimeout(() => void sanitizeWarnings(html.value, warnings, slot), 300);
  };
  html.addEventListener("input", refresh);
  image.addEventListener("change", () => void upload(image, alt, html, imageStatus).then(refresh));
  refresh();
  return {
    textarea: html,
    parts: [
      el("div", { class: "html-editor" }, [
        el("div", {}, [field("HTML", html, "Replaces what the slot shows. Scripts, styles and event handlers are removed when it is published."), warnings]),
        el("div", {}, [el("p", { class: "label", text: "Live rendering (sandboxed: nothing in it runs)" }), frame]),
      ]),
      el("fieldset", { class: "grid" }, [el("legend", { text: "Image" }), field("Add an image", image, "PNG, JPEG, GIF or WebP, at most 5 MiB: it goes into the HTML where the cursor is."), field("Image description (alt text)", alt), imageStatus]),
    ],
  };
}

/**
 * @param {string} html
 * @param {HTMLElement} list
 * @param {string} slot
 */
async function sanitizeWarnings(html, list, slot) {
  const trusted = /** @type {Doc | undefined} */ (/** @type {Record<string, Doc>} */ (workingDoc().slots || {})[slot]);
  if (trusted && trusted.trusted === true) {
    list.replaceChildren(el("li", { class: "muted", text: "This slot is trusted: its HTML is published as written, scripts included." }));
    return;
  }
  /** @type {import("./dom.browser.js").Answer<SanitizeAnswer>} */
  const r = await api("POST", "/sanitize", { html });
  if (!r.ok) {
    list.replaceChildren(el("li", { class: "error", text: "The warnings could not be read: " + errorText(r) }));
    return;
  }
  list.replaceChildren(...(r.json.removed.length ? r.json.removed.map((x) => el("li", { class: "warning", text: "Line " + x.line + ", column " + x.column + ": " + x.message })) : [el("li", { class: "ok", text: "Nothing will be removed when it is published." })]));
}

/**
 * Uploads the chosen image and puts an <img> for it into the HTML at the cursor.
 * @param {HTMLInputElement} file
 * @param {HTMLInputElement} alt
 * @param {HTMLTextAreaElement} html
 * @param {HTMLElement} status
 */
async function upload(file, alt, html, status) {
  const chosen = file.files && file.files[0];
  if (!chosen) return;
  status.textContent = "Uploading " + chosen.name + "…";
  /** @type {import("./dom.browser.js").Answer<StoredImage>} */
  const r = await api("POST", "/assets", chosen);
  if (!r.ok) {
    status.textContent = "Not uploaded: " + errorText(r);
    return;
  }
  const img = el("img", { src: r.json.url, alt: alt.value, width: r.json.width, height: r.json.height });
  const tag = img.outerHTML;
  const at = html.selectionStart ?? html.value.length;
  html.value = html.value.slice(0, at) + tag + html.value.slice(html.selectionEnd ?? at);
  status.textContent = "Uploaded (" + r.json.width + "×" + r.json.height + "); the image is in the HTML.";
  file.value = "";
}
