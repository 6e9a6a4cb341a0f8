/**
 * The small panel a preview page carries before `</body>`: the previewed profile
 * and context, and for each slot the decision and why (the engine's reasons and
 * rejections). Plain HTML and CSS, no script: a `<details>` the keyboard opens
 * and closes (Enter/Space on its summary), inside a labelled landmark, with a
 * link that leaves preview. Every value is escaped text.
 *
 * @example
 * overlayHtml(result, spec, { exp, version: "20261123T160102Z-3fa9c1d2" });
 */
import type { DecideResult } from "../engine/types.ts";
import { PREVIEW_OFF, PREVIEW_PARAM } from "./link.ts";
import type { PreviewSpec } from "./token.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

// Scoped under #p13n-preview so it cannot restyle the page; high contrast, visible focus.
const CSS = `#p13n-preview{position:fixed;right:12px;bottom:12px;z-index:2147483647;max-width:min(440px,calc(100vw - 24px));max-height:70vh;overflow:auto;background:#111827;color:#f9fafb;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.35);text-align:left}
#p13n-preview summary{cursor:pointer;padding:10px 14px;font-weight:600;list-style-position:inside}
#p13n-preview summary:focus-visible,#p13n-preview a:focus-visible{outline:3px solid #fbbf24;outline-offset:2px}
#p13n-preview .p13n-body{padding:0 14px 12px}
#p13n-preview h2{font-size:13px;margin:10px 0 4px;color:#fde68a;text-transform:none;letter-spacing:0}
#p13n-preview ul{margin:0;padding-left:18px}
#p13n-preview li{margin:2px 0}
#p13n-preview code{font:12px ui-monospace,Menlo,monospace;color:#bfdbfe}
#p13n-preview .p13n-rej{color:#d1d5db}
#p13n-preview a{color:#93c5fd}`;

function profileLine(spec: PreviewSpec): string {
  const p = spec.profile ?? {};
  const c = spec.context ?? {};
  const parts = [
    p.tier ? `tier ${p.tier}` : "no tier",
    p.stage ? `stage ${p.stage}` : "",
    p.topics?.length ? `topics ${p.topics.join(", ")}` : "",
    p.frequency ? `frequency ${p.frequency}` : "",
    ...Object.entries(p.attrs ?? {}).map(([k, v]) => `${k}=${String(v)}`),
    c.device ? `device ${c.device}` : "",
    c.country ? `country ${c.country}` : "",
    c.at ? `at ${c.at}` : "",
  ];
  return parts.filter(Boolean).join(" · ");
}

export function overlayHtml(result: DecideResult, spec: PreviewSpec, info: { exp: number; version: string }): string {
  const slots = result.decisions
    .map((d) => {
      const chosen = d.variant ? `<code>${esc(d.variant)}</code>` : "default content";
      const exp = d.experiment ? ` (experiment <code>${esc(d.experiment.id)}</code>, arm <code>${esc(d.experiment.arm)}</code>)` : "";
      const reasons = d.reasons.map((r) => `<li>${esc(r)}</li>`).join("");
      const rejected = d.rejected.map((r) => `<li class="p13n-rej"><code>${esc(r.variant)}</code>: ${esc(r.reason)} — ${esc(r.detail)}</li>`).join("");
      return `<h2><code>${esc(d.slot)}</code> → ${chosen}${exp}</h2><ul>${reasons}${rejected}</ul>`;
    })
    .join("");
  const until = new Date(info.exp * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  return `<style>${CSS}</style><aside id="p13n-preview" aria-label="Personalization preview" data-p13n-preview="">` +
    `<details open><summary>Preview: ${esc(profileLine(spec))}</summary><div class="p13n-body">` +
    `<p>Content version <code>${esc(info.version)}</code>${spec.version ? " (not live)" : ""}${result.holdout ? " · global holdout" : ""}. Link valid until ${esc(until)}.</p>` +
    `${slots || "<p>No slots in this version.</p>"}` +
    `<p><a href="?${PREVIEW_PARAM}=${PREVIEW_OFF}">Leave preview</a></p>` +
    `</div></details></aside>`;
}
