// @ts-check
/**
 * The editors' forms open in a modal dialog: a heading, the fields, a line that says what went
 * wrong (role=alert), and Cancel / Save. Save waits for the change to be saved (the draft's
 * answer) and closes only then; a refusal is shown in the dialog, the editor's input kept.
 */
import { el } from "./dom.browser.js";

let counter = 0;

/**
 * @param {object} opts
 * @param {string} opts.title
 * @param {Array<HTMLElement | null>} opts.body
 * @param {string} [opts.saveText]
 * @param {() => Promise<string | null>} opts.onSave resolves null when saved, else the reason it was not
 * @param {string} [opts.className]
 * @returns {HTMLDialogElement}
 */
export function openDialog(opts) {
  const id = "dlg" + ++counter;
  const error = el("p", { class: "error", role: "alert", id: id + "-error" });
  const save = el("button", { type: "submit", text: opts.saveText || "Save" });
  const cancel = el("button", { type: "button", class: "secondary", text: "Cancel" });
  const form = el("form", { class: "editor-form", novalidate: true }, [el("h2", { id: id + "-h", text: opts.title }), ...opts.body, error, el("div", { class: "actions" }, [cancel, save])]);
  const dialog = el("dialog", { class: "editor " + (opts.className || ""), "aria-labelledby": id + "-h" }, form);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    error.textContent = "";
    try {
      const problem = await opts.onSave();
      if (problem) error.textContent = problem;
      else dialog.close();
    } catch (e) {
      error.textContent = "Not saved: " + (e instanceof Error ? e.message : String(e));
    } finally {
      save.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/**
 * Asks for a yes before something that cannot be taken back quietly (delete, publish, discard).
 * @param {string} title
 * @param {Array<HTMLElement | string>} body
 * @param {string} yes the button's words ("Delete variant")
 * @param {() => Promise<string | null>} act
 */
export function confirmDialog(title, body, yes, act) {
  return openDialog({ title, body: body.map((b) => (typeof b === "string" ? el("p", { text: b }) : b)), saveText: yes, onSave: act, className: "confirm" });
}
