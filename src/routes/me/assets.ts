/**
 * The preference page's script (src/client/me.browser.js, imported as text) and stylesheet,
 * served from /__p13n/me/app.js and /__p13n/me/style.css so the page's CSP can forbid inline
 * code. The script sends JSON with fetch (same-origin, so the Worker's cross-site check passes
 * and no form post can imitate it), then reloads the page to show what changed.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import SCRIPT from "../../client/me.browser.js";
import { textVersion } from "../../text-version.ts";

const STYLE = `:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#fff;--muted:#5a5a66;--line:#d8d8e0;--accent:#1f5fbf;--danger:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#16161a;--muted:#a8a8b3;--line:#3a3a44;--accent:#8ab4f8;--danger:#f2b8b5}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.lede,.note,caption{color:var(--muted)}caption{text-align:left;font-size:.9rem;padding:.25rem 0}
.status{border:1px solid var(--line);border-left:4px solid var(--accent);padding:.25rem 1rem;border-radius:4px}
fieldset{border:1px solid var(--line);border-radius:4px;margin:0 0 1rem;padding:.5rem 1rem}legend{font-weight:600;padding:0 .25rem}
fieldset label{display:inline-flex;align-items:center;gap:.35rem;margin:.25rem 1rem .25rem 0;min-height:2rem}
input[type=checkbox],input[type=radio]{width:1.1rem;height:1.1rem}
button{font:inherit;padding:.5rem 1.1rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:var(--bg);cursor:pointer}
button.danger{border-color:var(--danger);background:var(--danger)}button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td code{word-break:break-all}meter{width:8rem;vertical-align:middle}ul.why>li{margin-bottom:.5rem}a{color:var(--accent)}
`;

/** A cache validator for constant text. */
const tag = (text: string): string => `"${textVersion(text)}"`;

function asset(c: Context<AppEnv>, body: string, type: string, etag: string): Response {
  const headers = { "content-type": type, "cache-control": "public, max-age=300", etag, "x-content-type-options": "nosniff" };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(body, { status: 200, headers });
}

const SCRIPT_TAG = tag(SCRIPT);
const STYLE_TAG = tag(STYLE);

export function meScript(c: Context<AppEnv>): Response {
  return asset(c, SCRIPT, "text/javascript; charset=utf-8", SCRIPT_TAG);
}

export function meStyle(c: Context<AppEnv>): Response {
  return asset(c, STYLE, "text/css; charset=utf-8", STYLE_TAG);
}
