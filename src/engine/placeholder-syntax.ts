/**
 * Where placeholders (`{{cart.items.0.name}}`, `{{profile.attrs.firstName | default: "there"}}`)
 * stand in a fragment's HTML, and whether that place is one a visitor's value may fill.
 *
 * A small, conservative HTML tokenizer (the spec's data, tag, attribute-value, comment and
 * raw-text states, no more) walks the fragment as stored. A placeholder may stand only:
 *  - in text, outside any element whose content is not plain HTML text (`script`, `style`,
 *    `textarea`, `title`, `xmp`, `iframe`, `noembed`, `noframes`, `noscript`, `plaintext`);
 *  - in a quoted value of an attribute that holds plain words (PLACEHOLDER_ATTRIBUTES: `alt`,
 *    `title`, `placeholder`, `value`, `label`, `aria-label`…): never a URL, `on*`, `style`, `srcset`,
 *    `class`, `id` or `data-*` (a site's script may read those as URLs or markup).
 * Anywhere else — a tag or attribute name, an unquoted value, a comment, raw text — is refused.
 * There, the filled value is HTML-escaped (`& < > " '`), which leaves no character that can end
 * the text run or the quoted value: a value cannot change the markup around it.
 *
 * Whatever this tokenizer cannot place with certainty, it refuses: at publish (an error naming the
 * placeholder) and when compiling a version that somehow bypassed publishing (then the fragment is
 * served exactly as stored, its placeholders not filled).
 *
 * @example
 * scanPlaceholders('<p title="{{profile.tier}}">Hi {{profile.attrs.firstName | default: "there"}}</p>').tokens;
 * // [{ start: 10, end: 26, raw: "{{profile.tier}}", path: "profile.tier", fallback: undefined, context: { kind: "attribute", element: "p", attribute: "title" } },
 * //  { start: 31, …, path: "profile.attrs.firstName", fallback: "there", context: { kind: "text" } }]
 */

/** Where a placeholder stands. */
export type PlaceholderContext = { kind: "text" } | { kind: "attribute"; element: string; attribute: string };

export interface PlaceholderToken {
  /** Offset of `{{` in the fragment (UTF-16 code units), and just past `}}`. */
  start: number;
  end: number;
  /** The placeholder as written, `{{…}}`. */
  raw: string;
  /** The value's name, e.g. `cart.items.0.name`. */
  path: string;
  /** `| default: "…"`: what is written when the value is unknown; undefined without one. */
  fallback: string | undefined;
  context: PlaceholderContext;
}

/** Something about a placeholder that cannot be filled safely, or cannot be read. */
export interface SyntaxIssue {
  offset: number;
  /** The text the editor wrote (at most 80 characters of it). */
  placeholder: string;
  message: string;
}

/** Attributes whose value is words a person reads: the only attributes a placeholder may fill. */
export const PLACEHOLDER_ATTRIBUTES: ReadonlySet<string> = new Set([
  "alt", "title", "placeholder", "value", "label", "aria-label", "aria-description", "aria-placeholder",
  "aria-roledescription", "aria-valuetext",
]);

/** Elements whose content the browser does not read as HTML text (and where escaping means nothing). */
const RAW_TEXT = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]);

/** A fragment has at most this many placeholders (each fills at most MAX_FILLED_CHARS). */
export const MAX_PLACEHOLDERS = 50;
/** Longest default text. */
export const MAX_FALLBACK_CHARS = 120;

const OPEN = "{{";
const CLOSE = "}}";
const WS = /[\t\n\f\r ]/;
const ALPHA = /[A-Za-z]/;
/** `path` or `path | default: "text"` (quotes " or '; the text without markup characters). */
const INNER = /^\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*(?:\|\s*default\s*:\s*(?:"([^"<>&{}|\\]*)"|'([^'<>&{}|\\]*)')\s*)?$/;

/**
 * Every placeholder of a fragment with its context, and what is wrong with the others.
 *
 * @example
 * scanPlaceholders("<a href='/p/{{cart.items.0.sku}}'>x</a>").issues[0]?.message;
 * // "a placeholder may not fill href: only text, and alt, title, placeholder, value, label, aria-label… (never a URL, on*, style, class, id or data-*)"
 */
export function scanPlaceholders(html: string): { tokens: PlaceholderToken[]; issues: SyntaxIssue[] } {
  const out = { tokens: [] as PlaceholderToken[], issues: [] as SyntaxIssue[] };
  // Most fragments have none: nothing to walk.
  if (!html.includes(OPEN)) return out;
  let i = 0;
  let textFrom = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf("<", i);
    if (lt === -1) break;
    const next = html[lt + 1] ?? "";
    let end: number;
    if (html.startsWith("<!--", lt)) {
      end = commentEnd(html, lt + 4);
    } else if (next === "!" || next === "?" || (next === "/" && !ALPHA.test(html[lt + 2] ?? ""))) {
      // A bogus comment (`<!x>`, `<?x>`, `</ x>`): up to the first `>`.
      end = upTo(html, ">", lt + 1);
    } else if (ALPHA.test(next) || (next === "/" && ALPHA.test(html[lt + 2] ?? ""))) {
      text(html, textFrom, lt, out);
      const tag = readTag(html, lt, out);
      i = textFrom = tag.end;
      if (tag.name !== null && RAW_TEXT.has(tag.name)) {
        const close = rawTextEnd(html, tag.name, tag.end);
        refuseIn(html, tag.end, close, `inside <${tag.name}>: its content is not HTML text, so escaping cannot protect it`, out);
        i = textFrom = close;
      }
      continue;
    } else {
      // A `<` that starts nothing: text.
      i = lt + 1;
      continue;
    }
    text(html, textFrom, lt, out);
    refuseIn(html, lt, end, "inside a comment", out);
    i = textFrom = end;
  }
  text(html, textFrom, n, out);
  if (out.tokens.length > MAX_PLACEHOLDERS) {
    const extra = out.tokens[MAX_PLACEHOLDERS]!;
    out.issues.push({ offset: extra.start, placeholder: extra.raw, message: `more than ${MAX_PLACEHOLDERS} placeholders in one fragment` });
  }
  return out;
}

/** The end of a comment begun before `from` (`-->`, `--!>`, or the abrupt `<!-->` and `<!--->`), or the end of the text. */
function commentEnd(html: string, from: number): number {
  if (html[from] === ">") return from + 1;
  if (html.startsWith("->", from)) return from + 2;
  const a = html.indexOf("-->", from);
  const b = html.indexOf("--!>", from);
  if (a === -1 && b === -1) return html.length;
  if (b === -1 || (a !== -1 && a < b)) return a + 3;
  return b + 4;
}

function upTo(html: string, ch: string, from: number): number {
  const at = html.indexOf(ch, from);
  return at === -1 ? html.length : at + 1;
}

/** Where raw text opened by `<name>` ends: at `</name` followed by a space, `/` or `>` (any case). */
function rawTextEnd(html: string, name: string, from: number): number {
  if (name === "plaintext") return html.length;
  const lower = html.toLowerCase();
  for (let at = lower.indexOf(`</${name}`, from); at !== -1; at = lower.indexOf(`</${name}`, at + 2)) {
    const after = html[at + 2 + name.length];
    if (after === undefined || after === "/" || after === ">" || WS.test(after)) return at;
  }
  return html.length;
}

/** Refuses every placeholder opening in [from, to). */
function refuseIn(html: string, from: number, to: number, where: string, out: { issues: SyntaxIssue[] }): void {
  for (let at = html.indexOf(OPEN, from); at !== -1 && at < to; at = html.indexOf(OPEN, at + 2)) {
    out.issues.push({ offset: at, placeholder: excerpt(html, at, to), message: `a placeholder ${where}` });
  }
}

function excerpt(html: string, at: number, limit: number): string {
  const close = html.indexOf(CLOSE, at + 2);
  const end = close !== -1 && close + 2 <= limit ? close + 2 : Math.min(limit, at + 40);
  return html.slice(at, Math.min(end, at + 80));
}

/** Placeholders in a run of text or a quoted attribute value [from, to). */
function placeholdersIn(html: string, from: number, to: number, context: PlaceholderContext, out: { tokens: PlaceholderToken[]; issues: SyntaxIssue[] }): void {
  for (let at = html.indexOf(OPEN, from); at !== -1 && at < to; ) {
    const close = html.indexOf(CLOSE, at + 2);
    if (close === -1 || close + 2 > to) {
      out.issues.push({ offset: at, placeholder: excerpt(html, at, to), message: "'{{' opens a placeholder that is not closed with '}}' before the text or attribute ends" });
      return;
    }
    const raw = html.slice(at, close + 2);
    const parsed = parseInner(html.slice(at + 2, close));
    if (parsed) out.tokens.push({ start: at, end: close + 2, raw, path: parsed.path, fallback: parsed.fallback, context });
    else out.issues.push({ offset: at, placeholder: raw.slice(0, 80), message: `cannot read ${raw.length > 80 ? "this placeholder" : raw}: write {{name}} or {{name | default: "text"}} (the text without < > & { } | or \\, at most ${MAX_FALLBACK_CHARS} characters)` });
    at = html.indexOf(OPEN, close + 2);
  }
}

/** The inside of `{{…}}`. A sanitized attribute value writes `"` as `&quot;`: read the same. */
function parseInner(inner: string): { path: string; fallback: string | undefined } | null {
  const plain = inner.replace(/&quot;|&#34;|&#x22;/gi, '"').replace(/&apos;|&#39;|&#x27;/gi, "'");
  const m = INNER.exec(plain);
  if (!m || m[1]!.length > 128) return null;
  const fallback = m[2] ?? m[3];
  if (fallback !== undefined && fallback.length > MAX_FALLBACK_CHARS) return null;
  return { path: m[1]!, fallback };
}

function text(html: string, from: number, to: number, out: { tokens: PlaceholderToken[]; issues: SyntaxIssue[] }): void {
  if (to > from) placeholdersIn(html, from, to, { kind: "text" }, out);
}

/**
 * A start or end tag from its `<`: its name (lower case; null for an end tag) and where it ends.
 * Placeholders in a quoted value of an allowed attribute are collected; anywhere else in the tag
 * they are refused.
 */
function readTag(html: string, lt: number, out: { tokens: PlaceholderToken[]; issues: SyntaxIssue[] }): { name: string | null; end: number } {
  const n = html.length;
  const closing = html[lt + 1] === "/";
  let i = lt + (closing ? 2 : 1);
  const nameFrom = i;
  while (i < n && !WS.test(html[i]!) && html[i] !== "/" && html[i] !== ">") i++;
  const name = html.slice(nameFrom, i).toLowerCase();
  // Parts of the tag outside quoted values, where no placeholder may stand.
  let bareFrom = lt;
  const bare = (to: number, why: string) => refuseIn(html, bareFrom, to, why, out);
  while (i < n) {
    const c = html[i]!;
    if (c === ">") {
      bare(i, "inside a tag (a tag or attribute name, or an unquoted value)");
      return { name: closing ? null : name, end: i + 1 };
    }
    if (WS.test(c) || c === "/") {
      i++;
      continue;
    }
    // An attribute name: up to a space, `/`, `>` or `=` (a leading `=` belongs to the name).
    const attrFrom = i;
    i++;
    while (i < n && !WS.test(html[i]!) && html[i] !== "/" && html[i] !== ">" && html[i] !== "=") i++;
    const attribute = html.slice(attrFrom, i).toLowerCase();
    let j = i;
    while (j < n && WS.test(html[j]!)) j++;
    if (html[j] !== "=") continue;
    j++;
    while (j < n && WS.test(html[j]!)) j++;
    const quote = html[j];
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, j + 1);
      const valueEnd = close === -1 ? n : close;
      bare(j + 1, "inside a tag (a tag or attribute name, or an unquoted value)");
      if (closing) refuseIn(html, j + 1, valueEnd, "inside an end tag", out);
      else attributeValue(html, j + 1, valueEnd, name, attribute, out);
      i = bareFrom = close === -1 ? n : close + 1;
    } else {
      while (j < n && !WS.test(html[j]!) && html[j] !== ">") j++;
      i = j;
    }
  }
  bare(n, "inside a tag that is never closed");
  return { name: closing ? null : name, end: n };
}

function attributeValue(html: string, from: number, to: number, element: string, attribute: string, out: { tokens: PlaceholderToken[]; issues: SyntaxIssue[] }): void {
  if (html.indexOf(OPEN, from) === -1 || html.indexOf(OPEN, from) >= to) return;
  if (!PLACEHOLDER_ATTRIBUTES.has(attribute)) {
    refuseIn(html, from, to, `in ${attribute}: only text, and the values of ${[...PLACEHOLDER_ATTRIBUTES].slice(0, 6).join(", ")}… may be filled (never a URL, on*, style, class, id or data-*)`, out);
    return;
  }
  placeholdersIn(html, from, to, { kind: "attribute", element, attribute }, out);
}
