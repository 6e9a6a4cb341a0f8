/**
 * Publish-time sanitizer for editors' HTML fragments. It parses the fragment with
 * htmlparser2 (entities decoded the way a browser decodes them) and writes a new
 * fragment from what it understood: only allow-listed elements and attributes,
 * every attribute value quoted and escaped, every text escaped. Nothing of the
 * input reaches the output unparsed, so the browser reads exactly what was
 * checked (no parser-differential tricks), tags are balanced, and a second pass
 * changes nothing. It also says what it removed and where, so the CLI can point
 * the editor at file:line.
 *
 * Pure JavaScript: the admin API (workerd) and the CLI (Node) run the same code.
 *
 * @example
 * const r = sanitizeFragment('<a href="javascript:alert(1)" onclick="x()">Hi</a><script>x()</script>');
 * r.html;    // '<a>Hi</a>'
 * r.removed; // [{ offset: 0, what: "onclick", … }, { offset: 0, what: "href", … }, { offset: 45, what: "<script>", … }]
 */
import { Parser } from "htmlparser2";
import {
  ALLOWED_ELEMENTS,
  DATA_IMAGE,
  DROPPED_WITH_CONTENT,
  ELEMENT_ATTRIBUTES,
  FRAGMENT_GOAL,
  GLOBAL_ATTRIBUTES,
  GLOBAL_PREFIXES,
  IMAGE_SOURCES,
  RESERVED_PREFIX,
  SAFE_SCHEMES,
  SVG_ATTRIBUTES,
  SVG_ONLY,
  URL_ATTRIBUTES,
  VOID_ELEMENTS,
} from "./sanitize-policy.ts";

/** One thing the sanitizer took out. */
export interface Removal {
  /** Offset in the input fragment (UTF-16 code units) of the tag it was found in. */
  offset: number;
  /** `<script>`, `onclick`, `href`… */
  what: string;
  /** Plain words for the editor: what, and why. */
  message: string;
}

export interface SanitizeResult {
  html: string;
  removed: Removal[];
}

/** Reports per fragment; a pasted page could otherwise produce thousands. */
const MAX_REPORTS = 50;

interface Open {
  name: string;
  /** Written to the output (its end tag must be written too). */
  emitted: boolean;
  /** Everything inside is dropped. */
  drop: boolean;
  svg: boolean;
}

/**
 * Sanitizes one fragment.
 *
 * @example
 * sanitizeFragment("<p onclick=alert(1)>Hello</p>").html; // "<p>Hello</p>"
 */
export function sanitizeFragment(input: string): SanitizeResult {
  let out = "";
  const removed: Removal[] = [];
  const stack: Open[] = [];
  let parser: Parser | undefined;
  const report = (what: string, message: string) => {
    if (removed.length < MAX_REPORTS) removed.push({ offset: parser?.startIndex ?? 0, what, message });
  };
  const dropping = () => stack.length > 0 && stack[stack.length - 1]!.drop;
  const inSvg = () => stack.length > 0 && stack[stack.length - 1]!.svg;

  parser = new Parser(
    {
      onopentag(name, attribs) {
        const lower = name.toLowerCase();
        const parentDrop = dropping();
        const svg = lower === "svg" || inSvg();
        if (parentDrop) {
          stack.push({ name, emitted: false, drop: true, svg });
          return;
        }
        const allowed = ALLOWED_ELEMENTS.has(lower) || (svg && SVG_ONLY.has(lower));
        if (!allowed) {
          const dropContent = DROPPED_WITH_CONTENT.has(lower) || SVG_ONLY.has(lower);
          report(`<${lower}>`, dropContent ? droppedMessage(lower) : `<${lower}> is not allowed in fragments: tag removed, its text kept`);
          stack.push({ name, emitted: false, drop: dropContent, svg });
          return;
        }
        out += `<${name}${attributes(lower, attribs, svg, report)}>`;
        stack.push({ name, emitted: !VOID_ELEMENTS.has(lower), drop: false, svg });
      },
      onclosetag() {
        const top = stack.pop();
        if (top?.emitted) out += `</${top.name}>`;
      },
      ontext(text) {
        if (!dropping()) out += escapeText(text);
      },
      // Comments, CDATA and processing instructions are never written: nothing to report.
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.write(input);
  parser.end();
  return { html: out, removed };
}

function droppedMessage(name: string): string {
  switch (name) {
    case "script":
      return "<script> removed: scripts never run in fragments (an administrator can mark the slot trusted: true)";
    case "style":
      return "<style> removed: it would restyle the whole page; use class names from the site's stylesheet or a style attribute";
    case "iframe":
    case "frame":
    case "object":
    case "embed":
    case "applet":
      return `<${name}> removed: fragments may not embed other documents or plugins`;
    case "base":
    case "meta":
    case "link":
    case "head":
    case "title":
      return `<${name}> removed: it would change the page around the slot`;
    default:
      return `<${name}> removed with its content: not allowed in fragments`;
  }
}

function attributes(element: string, attribs: Record<string, string>, svg: boolean, report: (what: string, message: string) => void): string {
  let s = "";
  const own = Object.hasOwn(ELEMENT_ATTRIBUTES, element) ? ELEMENT_ATTRIBUTES[element]! : [];
  for (const [name, value] of Object.entries(attribs)) {
    if (name.startsWith("on")) {
      report(name, `${name} removed from <${element}>: event handlers are scripts`);
      continue;
    }
    if (name === FRAGMENT_GOAL.name && FRAGMENT_GOAL.value.test(value)) {
      s += ` ${name}="${escapeAttribute(value)}"`;
      continue;
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      report(name, `${name} removed from <${element}>: data-p13n-* attributes belong to the middleware (data-p13n-goal excepted, with a goal name)`);
      continue;
    }
    const allowed =
      GLOBAL_ATTRIBUTES.has(name) ||
      GLOBAL_PREFIXES.some((p) => name.startsWith(p) && /^[a-z][a-z0-9-]*$/.test(name)) ||
      own.includes(name) ||
      (svg && SVG_ATTRIBUTES.has(name));
    if (!allowed) {
      report(name, `${name} removed from <${element}>: not an allowed attribute`);
      continue;
    }
    const problem = valueProblem(element, name, value, svg);
    if (problem) {
      report(name, `${name} removed from <${element}>: ${problem}`);
      continue;
    }
    s += ` ${name}="${escapeAttribute(value)}"`;
  }
  return s;
}

/** Why this attribute value is unsafe, or undefined when it is fine. */
function valueProblem(element: string, name: string, value: string, svg: boolean): string | undefined {
  if (name === "style") return styleProblem(value);
  if (svg && (name === "href" || name === "xlink:href")) {
    // Inside SVG a link points at another shape of the same fragment, nothing else.
    return value.trim().startsWith("#") ? undefined : "SVG links may only point at '#id' in the same fragment";
  }
  if (name === "srcset") {
    for (const candidate of value.split(",")) {
      const url = candidate.trim().split(/\s+/)[0] ?? "";
      const p = urlProblem(url, IMAGE_SOURCES.has(element));
      if (p) return p;
    }
    return undefined;
  }
  if (URL_ATTRIBUTES.has(name)) return urlProblem(value, IMAGE_SOURCES.has(element) && name === "src");
  if (name === "target" && !/^_?[A-Za-z0-9_-]*$/.test(value)) return "not a browsing-context name";
  return undefined;
}

/**
 * Checks a URL the way a browser resolves its scheme: leading/trailing C0 controls
 * and spaces trimmed, tabs and newlines inside ignored, scheme case-insensitive.
 *
 * @example
 * urlProblem(" jav\tascript:alert(1)", false); // "javascript: URLs run script"
 */
export function urlProblem(raw: string, image: boolean): string | undefined {
  // eslint-disable-next-line no-control-regex
  const url = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return undefined;
  if (SAFE_SCHEMES.has(scheme)) return undefined;
  if (scheme === "data") {
    return image && DATA_IMAGE.test(url.toLowerCase()) ? undefined : "data: URLs are allowed only as images (png, jpeg, gif, webp, avif)";
  }
  if (scheme === "javascript" || scheme === "vbscript") return `${scheme}: URLs run script`;
  return `the ${scheme}: scheme is not allowed (use http, https, mailto or tel)`;
}

/** A style attribute may set presentation, never load or run anything unexpected. */
function styleProblem(css: string): string | undefined {
  const lower = css.toLowerCase();
  // Escapes and comments are how CSS filters are dodged; fragments have no need for them.
  if (lower.includes("\\") || lower.includes("/*")) return "CSS escapes and comments are not allowed in a style attribute";
  if (/expression\s*\(|behavior\s*:|-moz-binding|@import|javascript:|vbscript:/.test(lower)) return "CSS that runs script or imports stylesheets";
  for (const m of lower.matchAll(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/g)) {
    const p = urlProblem(m[2] ?? "", true);
    if (p) return `url(): ${p}`;
  }
  return undefined;
}

/** Text content: `&`, `<` and `>` (the decoded text, written back so the browser decodes the same). */
function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\u00a0/g, "&nbsp;");
}

/** Attribute values, always double-quoted: also `"`, and `<`/`>` so no other parser can misread them. */
function escapeAttribute(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\u00a0/g, "&nbsp;");
}

/** 1-based line and column of an offset in a text (for file:line:column reports). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}
