/**
 * The console's HTML shell. It holds no content and no secret: everything it
 * shows is fetched from the admin API with the editor's credential, so the page
 * itself may be served to anyone. The script's modules are preloaded with it (no waterfall).
 */
import { CONSOLE_MODULES } from "./modules.ts";

const PRELOADS = Object.keys(CONSOLE_MODULES)
  .map((name) => `<link rel="modulepreload" href="/__p13n/console/${name}">`)
  .join("\n");

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>p13n console</title>
<link rel="stylesheet" href="/__p13n/console.css">
<script type="module" src="/__p13n/console.js"></script>
${PRELOADS}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1>p13n console</h1>
  <p id="who" aria-live="polite"></p>
  <button type="button" id="logout" hidden>Sign out</button>
</header>
<main id="main" tabindex="-1">
  <section id="login" aria-labelledby="login-h" hidden>
    <h2 id="login-h">Sign in</h2>
    <form id="login-form">
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
      <p id="login-error" class="error" role="alert"></p>
    </form>
    <p class="hint">The token stays in this browser tab only (it is forgotten when the tab closes) and is sent as an
      <code>Authorization</code> header to the admin API. Behind Cloudflare Access you are signed in already.</p>
  </section>
  <div id="app" hidden>
    <nav aria-label="Console sections">
      <ul>
        <li><a href="#draft">Draft</a></li>
        <li><a href="#slots">Slots</a></li>
        <li><a href="#experiments">Experiments</a></li>
        <li><a href="#audiences">Audiences &amp; site</a></li>
        <li><a href="#performance">Performance</a></li>
        <li><a href="#results">Results</a></li>
        <li><a href="#activity">Activity</a></li>
        <li><a href="#history">Publish history</a></li>
        <li><a href="#audit">Who did what</a></li>
        <li><a href="#view-as">View site as…</a></li>
      </ul>
    </nav>
    <p id="status" role="status" aria-live="polite" tabindex="-1"></p>
    <section id="draft" aria-labelledby="draft-h" class="draft-bar">
      <h2 id="draft-h">Draft</h2>
      <p id="draft-state"></p>
      <div class="toolbar">
        <button type="button" id="draft-preview" class="secondary" hidden>Preview as…</button>
        <button type="button" id="draft-diff" class="secondary" hidden>Show changes</button>
        <button type="button" id="draft-publish" hidden>Publish…</button>
        <button type="button" id="draft-discard" class="secondary" hidden>Discard the draft…</button>
      </div>
      <div id="draft-changes" aria-live="polite"></div>
    </section>
    <section id="slots" aria-labelledby="slots-h">
      <h2 id="slots-h">Slots <span id="live-version" class="muted"></span></h2>
      <div class="toolbar">
        <button type="button" id="pick-element" hidden>Pick an element on the page</button>
        <button type="button" id="new-slot" class="secondary" hidden>New slot…</button>
      </div>
      <div id="slot-list"></div>
    </section>
    <section id="experiments" aria-labelledby="experiments-h">
      <h2 id="experiments-h">Experiments</h2>
      <div class="toolbar"><button type="button" id="new-experiment" class="secondary" hidden>New experiment…</button></div>
      <div id="experiment-list"></div>
    </section>
    <section id="audiences" aria-labelledby="audiences-h">
      <h2 id="audiences-h">Audiences &amp; site</h2>
      <h3>Segments</h3>
      <div class="toolbar"><button type="button" id="new-segment" class="secondary" hidden>New segment…</button></div>
      <div id="segment-list"></div>
      <h3>Site settings</h3>
      <div id="site-summary"></div>
      <div class="toolbar"><button type="button" id="edit-site" class="secondary" hidden>Edit site settings…</button></div>
    </section>
    <section id="performance" aria-labelledby="performance-h">
      <h2 id="performance-h">Performance</h2>
      <div class="field inline"><label for="performance-period">Period</label>
        <select id="performance-period"><option value="1440">last 24 hours</option><option value="10080">last 7 days</option><option value="43200">last 30 days</option></select></div>
      <div id="performance-body" aria-live="polite"></div>
    </section>
    <section id="results" aria-labelledby="results-h">
      <h2 id="results-h">Results <span class="muted">(as of the last flush, at most a minute behind)</span></h2>
      <div id="results-list"></div>
      <div id="results-detail" aria-live="polite"></div>
    </section>
    <section id="activity" aria-labelledby="activity-h">
      <h2 id="activity-h">Activity <span id="activity-source" class="muted"></span></h2>
      <div class="field inline"><label for="activity-period">Period</label>
        <select id="activity-period"><option value="60">last hour</option><option value="1440">last 24 hours</option><option value="10080">last 7 days</option></select></div>
      <div id="activity-body" aria-live="polite"></div>
    </section>
    <section id="history" aria-labelledby="history-h">
      <h2 id="history-h">Publish history</h2>
      <table>
        <caption class="visually-hidden">Published versions, newest first</caption>
        <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Slots / variants</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th><th scope="col">What it would change</th></tr></thead>
        <tbody id="history-rows"></tbody>
      </table>
    </section>
    <section id="audit" aria-labelledby="audit-h">
      <h2 id="audit-h">Who did what</h2>
      <div id="audit-body"></div>
    </section>
    <section id="view-as" aria-labelledby="view-as-h">
      <h2 id="view-as-h">View site as…</h2>
      <form id="view-form">
        <fieldset>
          <legend>Profile</legend>
          <div class="field"><label for="va-tier">Tier</label><input id="va-tier" name="tier" list="va-tiers" placeholder="gold"></div>
          <datalist id="va-tiers"><option value="gold"><option value="silver"><option value="standard"></datalist>
          <div class="field"><label for="va-stage">Life stage</label>
          <select id="va-stage" name="stage"><option value="">(none)</option><option>new</option><option>developing</option><option>established</option></select></div>
          <div class="field"><label for="va-topics">Topics (comma-separated)</label><input id="va-topics" name="topics" placeholder="running, yoga"></div>
          <div class="field"><label for="va-frequency">Promotions</label>
          <select id="va-frequency" name="frequency"><option value="">(not stated)</option><option>fewer</option><option>normal</option><option>more</option></select></div>
          <div class="field"><label for="va-attrs">Attributes (key=value, comma-separated)</label><input id="va-attrs" name="attrs" placeholder="subscribed=true"></div>
        </fieldset>
        <fieldset>
          <legend>Context</legend>
          <div class="field"><label for="va-device">Device</label>
          <select id="va-device" name="device"><option value="">(this browser)</option><option>desktop</option><option>mobile</option><option>tablet</option></select></div>
          <div class="field"><label for="va-country">Country</label><input id="va-country" name="country" maxlength="2" placeholder="DE" autocomplete="off"></div>
          <div class="field"><label for="va-at">Time (UTC)</label><input id="va-at" name="at" type="datetime-local"></div>
          <div class="field"><label for="va-path">Page</label><input id="va-path" name="path" value="/"></div>
        </fieldset>
        <fieldset>
          <legend>Content</legend>
          <div class="field"><label for="va-version">Version</label><select id="va-version" name="version"><option value="">(live)</option></select></div>
          <div id="va-forced" class="field-group"></div>
        </fieldset>
        <button type="submit">Create preview link</button>
      </form>
      <p id="preview-out" aria-live="polite"></p>
    </section>
  </div>
</main>
</body>
</html>
`;
