// @ts-check
/*
 * The preference page's script, served as /__p13n/me/app.js (a classic deferred script; the
 * page's CSP is `script-src 'self'`, so nothing inline). It sends the visitor's changes as JSON
 * with fetch (same-origin, so the Worker's cross-site check passes and no form post can imitate
 * it), then reloads the page to show what changed. Tested in Chromium (test/browser/preferences.test.ts).
 */
(function () {
  "use strict";
  var ME = "/__p13n/me";

  /**
   * @param {string} id
   * @param {string} text
   */
  function say(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  /**
   * @param {"PUT" | "DELETE"} method
   * @param {unknown} [body]
   * @returns {Promise<unknown>}
   */
  function send(method, body) {
    /** @type {Record<string, string>} */
    var headers = { accept: "application/json" };
    /** @type {RequestInit} */
    var init = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(ME, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (/** @type {{ error?: { message?: string } }} */ json) {
        if (!res.ok) throw new Error((json.error && json.error.message) || ("HTTP " + res.status));
        return json;
      });
    });
  }

  /**
   * The ticked inputs of one name.
   * @param {HTMLFormElement} form
   * @param {string} name
   * @returns {HTMLInputElement[]}
   */
  function checked(form, name) {
    return Array.prototype.filter.call(form.querySelectorAll('input[name="' + name + '"]'), function (/** @type {HTMLInputElement} */ i) { return i.checked; });
  }

  /**
   * What to send: consent only when the visitor changed it (saving topics is not a "yes"), and
   * preferences only when they can be stored (not with memory turned off or disabled).
   * @param {HTMLFormElement} form
   * @returns {{ track?: boolean, personalize?: boolean, topics?: string[], channels?: string[], frequency?: string | null }}
   */
  function changes(form) {
    /** @type {ReturnType<typeof changes>} */
    var body = {};
    var track = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="track"]'));
    var personalize = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="personalize"]'));
    if (track && !track.disabled && track.checked !== track.defaultChecked) body.track = track.checked;
    if (personalize && !personalize.disabled && personalize.checked !== personalize.defaultChecked) body.personalize = personalize.checked;
    var storable = !(track && !track.disabled && !track.checked) && !form.querySelector('input[name="topics"][disabled], input[name="frequency"][disabled]');
    if (storable) {
      body.topics = checked(form, "topics").map(function (i) { return i.value; });
      body.channels = checked(form, "channels").map(function (i) { return i.value; });
      var f = checked(form, "frequency")[0];
      body.frequency = f && f.value ? f.value : null;
    }
    return body;
  }

  var form = /** @type {HTMLFormElement | null} */ (document.getElementById("prefs"));
  if (form) form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = changes(/** @type {HTMLFormElement} */ (form));
    say("prefs-status", "Saving…");
    send("PUT", body).then(function () { say("prefs-status", "Saved. The next page uses your preferences."); location.reload(); },
      function (err) { say("prefs-status", "Not saved: " + err.message); });
  });
  var erase = document.getElementById("erase");
  if (erase) erase.addEventListener("click", function () {
    if (!window.confirm("Erase everything stored about you on this site?")) return;
    say("erase-status", "Erasing…");
    send("DELETE").then(function () { say("erase-status", "Erased."); location.reload(); },
      function (err) { say("erase-status", "Not erased: " + err.message); });
  });
})();
