/**
 * The preference centre: "what is known about me" as a small, accessible HTML page.
 * Every value from the visitor, the profile or the content is escaped text. The page's
 * only script is /__p13n/me/app.js (CSP `script-src 'self'`): it sends changes as JSON
 * with fetch, so a plain cross-site form can never change or erase anything.
 */
import type { MeView } from "./view.ts";
import { ME_PATH } from "./paths.ts";

/**
 * Escapes text for an element body or a double-quoted attribute.
 *
 * @example
 * escapeHtml('<b title="x">'); // "&lt;b title=&quot;x&quot;&gt;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const e = escapeHtml;
const CHANNELS = ["email", "sms", "push", "post"];

function date(isoText: string | null): string {
  if (!isoText) return "—";
  return `<time datetime="${e(isoText)}">${e(isoText.slice(0, 16).replace("T", " "))} UTC</time>`;
}

function check(name: string, value: string, checked: boolean, label: string, disabled = false): string {
  const id = `${name}-${value}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return `<label for="${e(id)}"><input type="checkbox" id="${e(id)}" name="${e(name)}" value="${e(value)}"${checked ? " checked" : ""}${disabled ? " disabled" : ""}> ${e(label)}</label>`;
}

function status(view: MeView): string {
  const c = view.consent;
  const memory = c.track
    ? `<p><strong>Memory is on</strong> (${e(c.trackBecause)}): this site remembers your visits to choose what to show you.</p>`
    : `<p><strong>Memory is off</strong> (${e(c.trackBecause)}): nothing about your visits is recorded, and no tracking cookie is set.</p>`;
  const personal = c.personalize
    ? "<p>Content may be chosen using your account and your visits.</p>"
    : c.mode === "none"
      ? "<p>Content is not personalized for you at all: everyone sees the same page.</p>"
      : "<p>Content is chosen only from this visit itself (device, page, time of day) and preferences you stated, never from your account data or history.</p>";
  return `<section class="status" aria-labelledby="status-h"><h2 id="status-h">Right now</h2>${memory}${personal}</section>`;
}

function form(view: MeView): string {
  const c = view.consent;
  const eff = view.statedPreferences.effective;
  const canStore = c.track;
  const topics = view.topics.length
    ? view.topics.map((t) => check("topics", t, eff?.topics?.includes(t) ?? false, t, !canStore)).join("")
    : "<p>This site has no topics to choose from yet.</p>";
  const channels = [...new Set([...CHANNELS, ...(eff?.channels ?? [])])].map((ch) => check("channels", ch, eff?.channels?.includes(ch) ?? false, ch, !canStore)).join("");
  const freq = (["", "fewer", "normal", "more"] as const)
    .map((f) => {
      const label = f === "" ? "No preference" : f === "fewer" ? "Fewer promotions" : f === "more" ? "More promotions" : "The usual amount";
      const checked = (eff?.frequency ?? "") === f;
      return `<label for="frequency-${f || "none"}"><input type="radio" id="frequency-${f || "none"}" name="frequency" value="${f}"${checked ? " checked" : ""}${canStore ? "" : " disabled"}> ${label}</label>`;
    })
    .join("");
  const gpc = c.signals.gpc;
  const note = canStore
    ? ""
    : '<p class="note">With memory off, preferences cannot be kept here (that would mean storing something about you). Your account\'s own preferences, if any, still apply.</p>';
  return `<section aria-labelledby="prefs-h"><h2 id="prefs-h">Your preferences</h2>
<p>What you say here outranks anything this site guessed, and takes effect on the next page.</p>
<form id="prefs" novalidate>
${note}
<fieldset><legend>Topics you want to see more of</legend>${topics}</fieldset>
<fieldset><legend>Promotions</legend>${freq}</fieldset>
<fieldset><legend>How you like to be contacted</legend>${channels}</fieldset>
<fieldset><legend>Personalization and memory</legend>
${check("personalize", "1", c.signals.visitor.personalize !== false && c.personalize, "Personalize content using my account and my visits", !c.track)}
${check("track", "1", c.track, "Remember my visits on this site", gpc)}
${gpc ? '<p class="note">Your browser sends Global Privacy Control, so visits are never remembered while it is on.</p>' : ""}
<p class="note">Turning memory off also erases what is stored now.</p>
</fieldset>
<button type="submit">Save preferences</button>
</form>
<p id="prefs-status" role="status" aria-live="polite"></p>
<noscript><p>Saving needs JavaScript. Without it, send <code>PUT ${ME_PATH}</code> with a JSON body.</p></noscript>
</section>`;
}

function lastPage(view: MeView): string {
  const lp = view.lastPage;
  if (!lp) return `<section aria-labelledby="why-h"><h2 id="why-h">Why you saw what you saw</h2><p>No page is on record.</p></section>`;
  const items = lp.slots
    .map((s) => `<li><strong>${e(s.slot)}</strong>: ${s.variant === null ? "the standard content" : `“${e(s.variant)}”`}<ul>${s.why.map((w) => `<li>${e(w)}</li>`).join("")}</ul></li>`)
    .join("");
  return `<section aria-labelledby="why-h"><h2 id="why-h">Why you saw what you saw</h2><p>On <code>${e(lp.path)}</code>, ${date(new Date(lp.at).toISOString())}:</p><ul class="why">${items}</ul></section>`;
}

function interests(view: MeView): string {
  const rows = view.inferredInterests
    .map((i) => `<tr><th scope="row">${e(i.topic)}</th><td><meter min="0" max="1" value="${i.score}" aria-label="${e(i.topic)}">${i.score}</meter> ${i.score.toFixed(2)}</td></tr>`)
    .join("");
  const body = rows
    ? `<table><caption>0 is none, 1 is strong; scores fade by half each week you do not show interest.</caption><thead><tr><th scope="col">Topic</th><th scope="col">Score</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<p>None.</p>";
  return `<section aria-labelledby="int-h"><h2 id="int-h">Interests this site guessed</h2>${body}</section>`;
}

function recent(view: MeView): string {
  const items = view.recentInteractions.map((r) => `<li>${date(r.at)} — ${e(r.summary)}</li>`).join("");
  return `<section aria-labelledby="recent-h"><h2 id="recent-h">Recent interactions</h2>${items ? `<ul>${items}</ul>` : "<p>None recorded.</p>"}</section>`;
}

function account(view: MeView): string {
  if (!view.profile) return `<section aria-labelledby="acct-h"><h2 id="acct-h">From your account</h2><p>You are not signed in: nothing from an account is used.</p></section>`;
  const rows = Object.entries(view.profile)
    .map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td><code>${e(typeof v === "string" ? v : JSON.stringify(v))}</code></td></tr>`)
    .join("");
  return `<section aria-labelledby="acct-h"><h2 id="acct-h">From your account</h2><p>The site signed these details into its cookie; we read them, never change them.</p><table><thead><tr><th scope="col">Claim</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function stored(view: MeView): string {
  const s = view.stored;
  const parts = s.parts
    .map(
      (p) =>
        `<li>${p.kind === "profile" ? "With your account" : "With this browser's visitor id"}: ${p.visits} visit(s), ${p.counts.events} interaction(s), ${p.counts.interests} interest score(s); last active ${date(p.lastActive)}; deleted automatically ${date(p.deleteAt)} unless you come back.</li>`,
    )
    .join("");
  const cookies = view.cookies
    .map((c) => `<tr><th scope="row"><code>${e(c.name)}</code></th><td>${c.present ? "present" : "not set"}</td><td>${e(c.purpose)}</td></tr>`)
    .join("");
  return `<section aria-labelledby="stored-h"><h2 id="stored-h">What is stored, and for how long</h2>
<p>${s.anything ? "Stored about you now:" : "<strong>Nothing about you is stored.</strong>"}</p>${parts ? `<ul>${parts}</ul>` : ""}
<p>What this site can keep while memory is on:</p><ul>${s.what.map((w) => `<li>${e(w)}</li>`).join("")}</ul>
<p>Everything is deleted <strong>${s.retentionDays} days</strong> after your last visit, or now, with the button below.</p>
<table><caption>Cookies</caption><thead><tr><th scope="col">Name</th><th scope="col">Now</th><th scope="col">Purpose</th></tr></thead><tbody>${cookies}</tbody></table>
</section>`;
}

function erase(view: MeView): string {
  const signedIn = view.signedIn
    ? "<p>You are signed in: after erasing, the site's account cookie still identifies you; sign out, or turn memory off above, to stay unremembered.</p>"
    : "";
  return `<section aria-labelledby="erase-h"><h2 id="erase-h">Erase my data</h2>
<p>Deletes everything stored about you here, at once, and the visitor-id cookie. Your next page starts as a new, anonymous visitor.</p>${signedIn}
<button type="button" id="erase" class="danger">Erase my data</button>
<p id="erase-status" role="status" aria-live="polite"></p></section>`;
}

/**
 * @example
 * const html = renderPage(view);
 */
export function renderPage(view: MeView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Your data and preferences</title>
<link rel="stylesheet" href="${ME_PATH}/style.css">
<script src="${ME_PATH}/app.js" defer></script>
</head>
<body>
<main>
<h1>Your data and preferences</h1>
<p class="lede">What this site knows about you, why you see what you see, and your say in it.</p>
${status(view)}
${form(view)}
${lastPage(view)}
${interests(view)}
${recent(view)}
${account(view)}
${stored(view)}
${erase(view)}
<p><a href="/">Back to the site</a> · <a href="${ME_PATH}?format=json" type="application/json" id="json-link">This page as JSON</a></p>
</main>
</body>
</html>`;
}
