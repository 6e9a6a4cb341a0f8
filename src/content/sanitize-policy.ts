/**
 * The allow-list a fragment is held to at publish (unless its slot is `trusted`).
 * Everything not named here is removed: an unknown element loses its tag and keeps
 * its text; an element that can run or load code loses its content too.
 * README "Sanitizer" lists the same, for editors.
 *
 * @example
 * ALLOWED_ELEMENTS.has("a"); // true
 * DROPPED_WITH_CONTENT.has("script"); // true
 */

/** HTML elements an editor's fragment may use. */
export const ALLOWED_ELEMENTS: ReadonlySet<string> = new Set([
  "a", "abbr", "address", "article", "aside", "audio", "b", "bdi", "bdo", "blockquote", "br", "button",
  "caption", "cite", "code", "col", "colgroup", "data", "dd", "del", "details", "dfn", "div", "dl", "dt",
  "em", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
  "hgroup", "hr", "i", "img", "input", "ins", "kbd", "label", "legend", "li", "mark", "meter", "nav", "ol",
  "optgroup", "option", "output", "p", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
  "section", "select", "small", "source", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
  "textarea", "tfoot", "th", "thead", "time", "tr", "track", "u", "ul", "var", "video", "wbr",
  // Inline SVG icons and illustrations (no scripting, animation or foreignObject).
  "svg", "g", "path", "circle", "ellipse", "line", "polygon", "polyline", "rect", "defs", "lineargradient",
  "radialgradient", "stop", "symbol", "use", "text", "tspan", "desc", "clippath", "mask",
]);

/**
 * Removed with everything inside them: they run code, load other documents,
 * change the page around the slot (base, meta, link, style), or parse their
 * content in ways that differ between parsers (mutation XSS).
 */
export const DROPPED_WITH_CONTENT: ReadonlySet<string> = new Set([
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "noscript", "noembed",
  "noframes", "template", "xmp", "plaintext", "listing", "base", "meta", "link", "head", "title", "math",
  "foreignobject", "animate", "animatemotion", "animatetransform", "set", "handler", "portal", "fencedframe",
  "image",
]);

/** `title` is allowed inside an `<svg>` (its accessible name), never as the document's title. */
export const SVG_ONLY: ReadonlySet<string> = new Set(["title"]);

export const VOID_ELEMENTS: ReadonlySet<string> = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
]);

/** Attributes any allowed element may carry (plus `aria-*` and `data-*`, see GLOBAL_PREFIXES). */
export const GLOBAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "class", "id", "title", "lang", "dir", "role", "tabindex", "hidden", "style", "translate", "itemprop",
  "itemscope", "itemtype",
]);

export const GLOBAL_PREFIXES: readonly string[] = ["aria-", "data-"];

/** The middleware's own markup: a fragment must not declare slots or fake decisions. */
export const RESERVED_PREFIX = "data-p13n-";

/**
 * The one reserved attribute a fragment may carry: a declared goal on its own form or button
 * (a variant's sign-up form must count as the page's does), its value a goal name.
 */
export const FRAGMENT_GOAL = { name: "data-p13n-goal", value: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/ } as const;

/** Per-element attributes. */
export const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ["href", "target", "rel", "hreflang", "type", "download", "referrerpolicy"],
  img: ["src", "srcset", "sizes", "alt", "width", "height", "loading", "decoding", "fetchpriority", "referrerpolicy"],
  source: ["src", "srcset", "sizes", "media", "type", "width", "height"],
  video: ["src", "poster", "controls", "autoplay", "muted", "loop", "playsinline", "preload", "width", "height"],
  audio: ["src", "controls", "autoplay", "muted", "loop", "preload"],
  track: ["src", "kind", "srclang", "label", "default"],
  form: ["action", "method", "autocomplete", "novalidate", "target", "name"],
  input: ["type", "name", "value", "placeholder", "autocomplete", "required", "checked", "disabled", "min", "max",
    "step", "minlength", "maxlength", "pattern", "size", "readonly", "multiple", "inputmode", "formaction", "formmethod"],
  button: ["type", "name", "value", "disabled", "formaction", "formmethod"],
  label: ["for"],
  select: ["name", "required", "multiple", "disabled", "size", "autocomplete"],
  option: ["value", "selected", "disabled", "label"],
  optgroup: ["label", "disabled"],
  textarea: ["name", "rows", "cols", "placeholder", "required", "maxlength", "minlength", "readonly", "disabled"],
  fieldset: ["disabled", "name"],
  output: ["for", "name"],
  td: ["colspan", "rowspan", "headers"],
  th: ["colspan", "rowspan", "headers", "scope", "abbr"],
  col: ["span"],
  colgroup: ["span"],
  ol: ["start", "reversed", "type"],
  li: ["value"],
  time: ["datetime"],
  data: ["value"],
  del: ["cite", "datetime"],
  ins: ["cite", "datetime"],
  blockquote: ["cite"],
  q: ["cite"],
  details: ["open"],
  meter: ["value", "min", "max", "low", "high", "optimum"],
  progress: ["value", "max"],
};

/** Presentation attributes of the SVG subset. */
export const SVG_ATTRIBUTES: ReadonlySet<string> = new Set([
  "viewbox", "width", "height", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
  "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "d", "cx", "cy", "r", "rx", "ry", "x", "y",
  "x1", "y1", "x2", "y2", "dx", "dy", "points", "transform", "xmlns", "opacity", "fill-opacity", "stroke-opacity",
  "fill-rule", "clip-rule", "clip-path", "mask", "offset", "stop-color", "stop-opacity", "gradientunits",
  "gradienttransform", "preserveaspectratio", "focusable", "font-size", "font-weight", "font-family",
  "text-anchor", "dominant-baseline", "vector-effect", "href", "xlink:href", "xmlns:xlink",
]);

/** Attributes holding one URL. `srcset` (a list) is checked per candidate. */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set(["href", "src", "action", "formaction", "xlink:href", "poster", "cite"]);

/** Schemes a URL may name; a URL without a scheme (relative, `//host/…`, `#id`) is fine. */
export const SAFE_SCHEMES: ReadonlySet<string> = new Set(["http", "https", "mailto", "tel"]);

/** `data:` URLs only as images, only where an image is loaded (never as a link). */
export const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|avif)[;,]/;
export const IMAGE_SOURCES: ReadonlySet<string> = new Set(["img", "source", "video"]);
