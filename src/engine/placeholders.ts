/**
 * Placeholders in variants: a fragment that names what the visitor did
 * (`Your {{cart.items.0.name | default: "picks"}} are waiting`), filled per visitor at decision
 * time from the same consent-filtered facts every rule reads (attributes.ts `makeFacts`), so
 * the splice, the streaming rewriter, `/decide` and a preview all receive final HTML.
 *
 * Logic-less on purpose: a name, and a default text for when the value is unknown (or not
 * allowed: without personalization consent a profile or behaviour value is unknown). Values are
 * HTML-escaped, always, and cut to MAX_FILLED_CHARS; where a placeholder may stand is
 * placeholder-syntax.ts's rule.
 *
 * What a placeholder may name:
 * - `cart.items.<n>.<field>`: the visitor's cart line n (0 = the most recently added, up to
 *   MAX_CART_ITEM_INDEX), field `name`, `sku`, `category`, `price` or `qty` (behaviour);
 * - `cart.latest.<category>.<field>`: the most recently added line of that category (among
 *   those lines), so a leggings reminder names the leggings even when shoes went in after;
 * - any rule attribute whose value is one string or number (`profile.attrs.<key>`, `profile.tier`,
 *   `visitor.cart.value`, `context.city`, `time.weekday`…), except values anyone can put in a
 *   link (`context.path`, `context.query.*`, `context.utm.*`, `context.referrerHost`): a link
 *   must not be able to write words onto the site.
 *
 * @example
 * const t = compileTemplate('<h1>Hi {{profile.attrs.firstName | default: "there"}}</h1>');
 * fillTemplate(t!, facts); // "<h1>Hi Sam &amp; Co</h1>", or "<h1>Hi there</h1>" without consent
 */
import { resolveAttribute, type AttributeKind, type Facts } from "./attributes.ts";
import { scanPlaceholders, type PlaceholderContext, type SyntaxIssue } from "./placeholder-syntax.ts";

/** A filled value is cut to this many characters (a profile attribute is the site's own, but unbounded). */
export const MAX_FILLED_CHARS = 256;
/** `cart.items.<n>`: n from 0 to this (the snapshot carries this many lines in detail). */
export const MAX_CART_ITEM_INDEX = 9;
/** A cart line's fields a placeholder may name (`image` is a URL: no placeholder fills a URL). */
export const CART_ITEM_FIELDS = ["name", "sku", "category", "price", "qty"] as const;

/** Rule attributes a link can set: never written onto the page. */
const FROM_LINKS = ["context.path", "context.referrerHost", "context.query.", "context.utm."];

type Getter = (f: Facts) => unknown;

export interface ResolvedPlaceholder {
  kind: AttributeKind;
  get: Getter;
}

/** Why a name cannot be a placeholder, or what it reads. */
export type PlaceholderResolution = { ok: true; value: ResolvedPlaceholder } | { ok: false; why: "unknown" | string };

/**
 * What a placeholder name reads.
 *
 * @example
 * resolvePlaceholder("cart.items.0.name");   // { ok: true, value: { kind: "behaviour", get } }
 * resolvePlaceholder("context.query.msg");   // { ok: false, why: "context.query.msg comes from the link …" }
 */
export function resolvePlaceholder(path: string): PlaceholderResolution {
  const latest = /^cart\.latest\.([A-Za-z0-9_-]{1,64})\.([a-z]+)$/.exec(path);
  if (latest) {
    const category = latest[1]!;
    const field = cartField(latest[2]!);
    if (typeof field !== "string") return field;
    return { ok: true, value: { kind: "behaviour", get: (f) => f.snapshot?.cart?.items?.find((i) => i.category === category)?.[field] } };
  }
  const item = /^cart\.items\.(\d{1,3})\.([a-z]+)$/.exec(path);
  if (item) {
    const index = Number(item[1]);
    if (index > MAX_CART_ITEM_INDEX) return { ok: false, why: `cart.items.${index}: the page knows the ${MAX_CART_ITEM_INDEX + 1} most recent cart lines (0 to ${MAX_CART_ITEM_INDEX})` };
    const field = cartField(item[2]!);
    if (typeof field !== "string") return field;
    return { ok: true, value: { kind: "behaviour", get: (f) => f.snapshot?.cart?.items?.[index]?.[field] } };
  }
  if (FROM_LINKS.some((p) => path === p || (p.endsWith(".") && path.startsWith(p)))) {
    return { ok: false, why: `${path} comes from the link the visitor followed: anyone could make the site say anything with a link` };
  }
  const attr = resolveAttribute(path);
  if (!attr) return { ok: false, why: "unknown" };
  if (attr.def.type !== "string" && attr.def.type !== "number") {
    return { ok: false, why: `${path} is ${attr.def.type === "boolean" ? "true or false" : "a list"}: a placeholder writes one text or number (test it in the variant's audience instead)` };
  }
  return { ok: true, value: { kind: attr.def.kind, get: attr.get } };
}

/** A cart line's field a placeholder may write, or why not. */
function cartField(field: string): (typeof CART_ITEM_FIELDS)[number] | Extract<PlaceholderResolution, { ok: false }> {
  if (field === "image") return { ok: false, why: "a cart line's image is a URL, and no placeholder fills a URL (a visitor's value must not choose where the page loads from or links to)" };
  return (CART_ITEM_FIELDS as readonly string[]).includes(field) ? (field as (typeof CART_ITEM_FIELDS)[number]) : { ok: false, why: "unknown" };
}

/** Example names for suggestions and the CLI's list: the cart's fields and every usable attribute. */
export function placeholderNames(attributeNames: readonly string[]): string[] {
  const cart = CART_ITEM_FIELDS.flatMap((f) => [`cart.items.0.${f}`, `cart.latest.<category>.${f}`]);
  return [...cart, ...attributeNames.filter((n) => resolvePlaceholder(n.replace(".<key>", ".key")).ok)];
}

/** A fragment split at its placeholders, ready to fill. */
export interface CompiledTemplate {
  /** Literal HTML, one more than `slots`: parts[0] slot[0] parts[1] … */
  readonly parts: readonly string[];
  readonly slots: ReadonlyArray<{ get: Getter; fallback: string; context: PlaceholderContext }>;
}

/** One problem with a fragment's placeholders, for publish-time validation. */
export interface PlaceholderIssue {
  offset: number;
  placeholder: string;
  message: string;
  severity: "error" | "warning";
}

/**
 * What is wrong with a fragment's placeholders: where they stand (placeholder-syntax.ts), what
 * they name; and, as warnings, those without a default (written as nothing when unknown).
 *
 * @example
 * placeholderIssues("<p>{{cart.items.0.nmae}}</p>", (name) => "cart.items.0.name");
 * // [{ offset: 3, placeholder: "{{cart.items.0.nmae}}", severity: "error", message: "unknown placeholder 'cart.items.0.nmae' (did you mean cart.items.0.name?)" }]
 */
export function placeholderIssues(html: string, suggest: (name: string) => string | undefined): PlaceholderIssue[] {
  const { tokens, issues } = scanPlaceholders(html);
  const out: PlaceholderIssue[] = issues.map((i: SyntaxIssue) => ({ ...i, severity: "error" }));
  for (const t of tokens) {
    const r = resolvePlaceholder(t.path);
    if (!r.ok) {
      const near = r.why === "unknown" ? suggest(t.path) : undefined;
      const message = r.why === "unknown" ? `unknown placeholder '${t.path}'${near ? ` (did you mean ${near}?)` : ""}` : r.why;
      out.push({ offset: t.start, placeholder: t.raw, message, severity: "error" });
    } else if (t.fallback === undefined) {
      out.push({
        offset: t.start,
        placeholder: t.raw,
        message: `${t.raw} has no default: it is written as nothing when ${t.path} is unknown${r.value.kind === "behaviour" || r.value.kind === "segmentation" ? " or the visitor did not consent to personalization" : ""} (add | default: "…", or | default: "" to say so)`,
        severity: "warning",
      });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/**
 * The fragment ready to fill, or undefined when it has no placeholder to fill: none written,
 * or one the rules refuse (a version that bypassed publishing is then served as stored).
 *
 * @example
 * compileTemplate("<p>Hello</p>"); // undefined
 */
export function compileTemplate(html: string): CompiledTemplate | undefined {
  const { tokens, issues } = scanPlaceholders(html);
  if (tokens.length === 0 || issues.length > 0) return undefined;
  const parts: string[] = [];
  const slots: Array<CompiledTemplate["slots"][number]> = [];
  let at = 0;
  for (const t of tokens) {
    const r = resolvePlaceholder(t.path);
    if (!r.ok) return undefined;
    parts.push(html.slice(at, t.start));
    slots.push({ get: r.value.get, fallback: t.fallback ?? "", context: t.context });
    at = t.end;
  }
  parts.push(html.slice(at));
  return { parts, slots };
}

/**
 * The fragment for this visitor: each placeholder's value (or its default), escaped.
 *
 * @example
 * fillTemplate(compileTemplate("<b>{{cart.items.0.name}}</b>")!, facts); // "<b>Tom &lt;3 Leggings</b>"
 */
export function fillTemplate(t: CompiledTemplate, facts: Facts): string {
  let html = t.parts[0]!;
  for (let i = 0; i < t.slots.length; i++) {
    const slot = t.slots[i]!;
    html += escapeHtml(text(slot.get(facts)) ?? slot.fallback) + t.parts[i + 1]!;
  }
  return html;
}

/** A value as the words to write, or undefined when there is none to write. */
function text(value: unknown): string | undefined {
  let s: string;
  if (typeof value === "string") s = value;
  else if (typeof value === "number" && Number.isFinite(value)) s = Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  else return undefined;
  if (s.trim() === "") return undefined;
  if (s.length <= MAX_FILLED_CHARS) return s;
  // Cut on a code point boundary (a lone surrogate would be written as U+FFFD).
  const cut = s.slice(0, MAX_FILLED_CHARS);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Text safe in HTML text and in a quoted attribute value alike: no character left that ends
 * either, or starts a tag or a character reference.
 *
 * @example
 * escapeHtml(`"><img src=x onerror=alert(1)>`); // "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}
