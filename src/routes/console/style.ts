/**
 * The console's stylesheet (also what the variant frames load, under `.frame`), with the
 * results and Activity views' rules at the end. Colours meet WCAG AA contrast on their
 * backgrounds; focus is always visible.
 */
export const CONSOLE_CSS = `:root{--ink:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f9fafb;--card:#fff;--accent:#1d4ed8;--danger:#b91c1c;--ok:#047857}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px 10px;z-index:10}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{display:flex;align-items:center;gap:16px;padding:12px 24px;background:var(--ink);color:#fff}
.top h1{font-size:18px;margin:0}.top p{margin:0 0 0 auto;color:#e5e7eb}
main{padding:16px 24px;max-width:1400px;margin:0 auto}
nav ul{display:flex;gap:16px;list-style:none;padding:0;margin:0 0 8px}
section{margin:0 0 32px}
h2{font-size:20px;margin:16px 0 8px}h3{font-size:16px;margin:0 0 4px}
.muted,.hint{color:var(--muted);font-weight:normal;font-size:14px}
button{font:inherit;padding:6px 14px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--danger);border-color:var(--danger)}
input,select{font:inherit;padding:5px 8px;border:1px solid #6b7280;border-radius:6px;background:#fff;color:var(--ink)}
label{display:block;font-weight:600;margin:8px 0 2px}
form#login-form{display:grid;gap:6px;max-width:360px}
.error{color:var(--danger);min-height:1.5em}
.slot{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px;margin:0 0 16px}
.slot-head{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:999px;background:#e5e7eb;color:var(--ink)}
.badge.warn{background:#fef3c7;color:#78350f}.badge.live{background:#d1fae5;color:#065f46}
.variants{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;margin-top:8px}
.variant{border:1px solid var(--line);border-radius:8px;padding:10px;background:#fff;display:flex;flex-direction:column;gap:6px}
.variant dl{display:grid;grid-template-columns:auto 1fr;gap:2px 8px;margin:0;font-size:13px}.variant dt{color:var(--muted)}.variant dd{margin:0;overflow-wrap:anywhere}
.variant iframe{width:100%;height:200px;border:1px dashed #9ca3af;border-radius:6px;background:#fff}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);font-size:14px}
code{font:13px ui-monospace,Menlo,monospace}
fieldset{border:1px solid var(--line);border-radius:8px;margin:0 0 12px;padding:8px 16px 12px;display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));column-gap:16px}
fieldset legend{font-weight:700}
fieldset label{grid-column:auto}
#view-form fieldset > *{min-width:0}
dialog{border:1px solid var(--line);border-radius:10px;max-width:420px}dialog::backdrop{background:rgba(0,0,0,.4)}
.actions{display:flex;gap:8px;justify-content:flex-end}
.arms{margin:4px 0 0;padding-left:18px}
body.frame{background:#fff;padding:8px;font-size:14px}
body.frame .btn{display:inline-block;padding:4px 10px;border:1px solid var(--ink);border-radius:6px;text-decoration:none;color:var(--ink);margin:2px}
body.frame .grid{display:flex;gap:8px;flex-wrap:wrap}body.frame .card{border:1px solid var(--line);padding:6px;border-radius:6px;text-decoration:none;color:var(--ink)}
body.frame h1{font-size:20px;margin:4px 0}body.frame h2{font-size:17px}body.frame .eyebrow{color:var(--muted);margin:0}
/* The results view (src/client/console/results.browser.js). */
.srm-warning{background:#fef2f2;border:2px solid var(--danger);color:#7f1d1d;border-radius:8px;padding:10px 14px;margin:8px 0}
.srm-ok{color:var(--ok);margin:6px 0}
table.results-arms.suspect td{color:var(--muted)}
.results-figure{margin:12px 0;background:#fff;border:1px solid var(--line);border-radius:10px;padding:8px;max-width:680px}
.results-chart{display:block;max-width:100%;height:auto;font:12px system-ui,sans-serif}
.results-chart .grid{stroke:#e5e7eb}.results-chart .tick{fill:var(--muted)}.results-chart .label{font-weight:600}
.uplift{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
#results-detail h3{margin-top:16px}
/* The Activity view (src/client/console/activity.browser.js). */
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 16px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 16px;min-width:150px;display:flex;flex-direction:column}
.tile-label{color:var(--muted);font-size:13px}.tile-value{font-size:24px}
.activity-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;align-items:start}
.activity-grid table{margin:0 0 16px}.activity-grid caption{text-align:left;font-weight:700;padding:4px 0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
meter{width:120px;vertical-align:middle}
#activity-period{margin-left:8px}
@media (max-width:800px){.activity-grid{grid-template-columns:1fr}}
/* Editing (src/client/console/*-editor.browser.js, dialog, rule builder): each label in one box with its control. */
.field{min-width:0;margin:0 0 6px}.field label{margin:4px 0 2px}.field input:not([type=checkbox]),.field select,.field textarea{width:100%}
.field.check{display:flex;gap:8px;align-items:flex-start}.field.check label{font-weight:normal;margin:0}.field.check input{margin-top:4px}
.field.inline{display:flex;gap:8px;align-items:center}.field.inline label{margin:0}.field.inline select{width:auto}
.field-group{display:contents}
.toolbar{display:flex;gap:8px;flex-wrap:wrap;margin:4px 0 10px}
button.small{padding:3px 10px;font-size:13px}button.danger-text{color:var(--danger);border-color:var(--danger)}
.card-actions{display:flex;gap:6px;flex-wrap:wrap}
textarea{font:inherit;padding:5px 8px;border:1px solid #6b7280;border-radius:6px;width:100%}
textarea.code,input.code{font:13px ui-monospace,Menlo,monospace}
dialog.editor{max-width:min(760px,calc(100vw - 32px));width:100%;max-height:calc(100vh - 32px);overflow:auto;padding:16px 20px}
dialog.editor.wide{max-width:min(1100px,calc(100vw - 32px))}dialog.editor.confirm{max-width:520px}
dialog.editor h2{margin-top:0}
.html-editor{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}
.label{font-weight:600;margin:4px 0 2px}
.live-frame{width:100%;height:240px;border:1px dashed #9ca3af;border-radius:6px;background:#fff}
ul.warnings{margin:4px 0;padding-left:18px;font-size:13px}ul.warnings .warning{color:#92400e}ul.warnings .ok{color:var(--ok)}
fieldset.rule-builder{display:block}.rule-tree{margin:4px 0}
.rule-group,.rule-not{border-left:3px solid var(--line);padding-left:10px;margin:4px 0}
.rule-children{list-style:none;margin:4px 0;padding:0}.rule-children>li{display:flex;gap:8px;align-items:flex-end;flex-wrap:wrap;margin:4px 0}
.rule-condition{display:inline-flex;gap:8px;flex-wrap:wrap;align-items:flex-end}.rule-field{display:inline-flex;flex-direction:column}.rule-field label{margin:0;font-size:13px}
.rule-adders{display:flex;gap:6px;flex-wrap:wrap;margin:4px 0}.rule-word{font-weight:600}
.rule-text{margin:6px 0 0;font-size:14px}
.arm{display:flex;gap:10px;flex-wrap:wrap;align-items:flex-end;border:1px solid var(--line);border-radius:8px;padding:6px 10px;margin:0 0 8px}
.days{display:flex;flex-wrap:wrap;gap:4px 12px;grid-column:1/-1}.days .label{width:100%}
ul.changes{margin:6px 0;padding-left:18px;font:13px ui-monospace,Menlo,monospace}ul.changes .added{color:var(--ok)}ul.changes .removed{color:var(--danger)}
.draft-bar{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 16px}
td.changes-cell ul.changes{margin:0}
table.audit tr.failed td{color:var(--danger)}
ul.segments{padding-left:18px}dl.facts{display:grid;grid-template-columns:auto 1fr;gap:2px 12px}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
/* Results an editor can read; performance (src/client/console/performance.browser.js). */
ul.plain-words{margin:8px 0;padding-left:18px}ul.plain-words li{margin:4px 0}
.not-causal{background:#fffbeb;border:1px solid #f59e0b;border-radius:8px;padding:8px 12px;color:#78350f}
.perf-slot{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 16px;margin:0 0 16px}
.perf-figure{margin:8px 0}.perf-chart{display:block;max-width:100%;height:auto;font:12px system-ui,sans-serif}
.perf-chart rect.variant{fill:#1d4ed8}.perf-chart rect.default{fill:#9ca3af}.perf-chart .label{fill:var(--ink)}.perf-chart .value{fill:var(--muted)}
table.perf tr.words td{color:var(--muted);font-size:13px;border-bottom:2px solid var(--line)}ul.segment-lines{margin:2px 0;padding-left:18px}
@media (max-width:800px){.html-editor{grid-template-columns:1fr}}
`;
