/**
 * Slots declared by CSS selector (`selector:` in `content/slots/<id>/slot.yaml`): what publishing
 * accepts. HTMLRewriter (lol-html) matches a subset of CSS while the page streams, element by
 * element, without looking ahead: type, `*`, `#id`, `.class`, attribute selectors (`[a]`, `=`,
 * `~=`, `|=`, `^=`, `$=`, `*=`, with ` i` / ` s`), `:first-child`, `:first-of-type`,
 * `:nth-child(an+b)`, `:nth-of-type(an+b)`, `:not(…)` of simple selectors, the descendant (` `)
 * and child (`>`) combinators, and lists (`a, b`). Anything else (sibling combinators, `:last-child`
 * and other pseudo-classes that need what comes later, pseudo-elements, namespaces) it refuses,
 * and a slot must never be published with a selector the Worker cannot install: `checkSelector`
 * says why, in an editor's words, before it reaches KV (used by the schema, so by `p13n validate`
 * and the admin API alike). test/workerd/selector-slots.test.ts holds every accepted form against
 * lol-html itself.
 *
 * Stricter than lol-html on purpose: attributes named `data-p13n-*` are the Worker's own (a slot in
 * markup, the variant it writes), so a selector may not name them.
 *
 * @example
 * checkSelector("main > section.hero");  // undefined: usable
 * checkSelector("h2 + p");               // "'+' (next sibling) cannot be matched while the page streams: …"
 */

/** Longest selector accepted (an element picker's structural path stays well under it). */
export const MAX_SELECTOR_LENGTH = 512;

const SUPPORTED = "HTMLRewriter matches types, #id, .class, [attribute], :first-child, :first-of-type, :nth-child(), :nth-of-type(), :not(), descendant ' ' and child '>'";

/** Pseudo-classes that need a later sibling or the element's content: never known while the page streams. */
const NEEDS_LOOKAHEAD = new Set(["last-child", "last-of-type", "only-child", "only-of-type", "nth-last-child", "nth-last-of-type", "empty", "has"]);

class SelectorError extends Error {}

/**
 * Why a selector cannot be a slot's, or undefined when HTMLRewriter can match it.
 *
 * @example
 * checkSelector("#footer .promo:first-child"); // undefined
 * checkSelector("li:last-child");              // "':last-child' cannot be matched while the page streams (…)"
 */
export function checkSelector(selector: string): string | undefined {
  if (selector.length > MAX_SELECTOR_LENGTH) return `a selector of ${selector.length} characters: at most ${MAX_SELECTOR_LENGTH}`;
  try {
    new SelectorParser(selector).list();
    return undefined;
  } catch (err) {
    if (err instanceof SelectorError) return err.message;
    throw err;
  }
}

/** One pass over the text; throws SelectorError at the first thing HTMLRewriter would not take. */
class SelectorParser {
  readonly #s: string;
  #i = 0;

  constructor(s: string) {
    this.#s = s;
  }

  list(): void {
    this.#ws();
    if (this.#i >= this.#s.length) this.#fail("the selector is empty");
    for (;;) {
      this.#complex();
      this.#ws();
      if (this.#i >= this.#s.length) return;
      if (this.#peek() !== ",") this.#fail(`unexpected '${this.#peek()}' at character ${this.#i + 1}`);
      this.#i++;
      this.#ws();
      if (this.#i >= this.#s.length) this.#fail("a ',' with no selector after it");
    }
  }

  /** Compound selectors joined by descendant or child combinators. */
  #complex(): void {
    this.#compound();
    for (;;) {
      const spaced = this.#ws();
      const c = this.#peek();
      if (c === undefined || c === ",") return;
      if (c === "+") this.#fail(`'+' (next sibling) cannot be matched while the page streams: ${SUPPORTED}`);
      if (c === "~") this.#fail(`'~' (later sibling) cannot be matched while the page streams: ${SUPPORTED}`);
      if (c === ">") {
        this.#i++;
        this.#ws();
        if (this.#peek() === undefined || this.#peek() === "," || this.#peek() === ">") this.#fail("a '>' with no selector after it");
      } else if (!spaced) {
        this.#fail(`unexpected '${c}' at character ${this.#i + 1}`);
      } else if (c === ")") {
        this.#fail(`unexpected ')' at character ${this.#i + 1}`);
      }
      this.#compound();
    }
  }

  /** A type (or `*`) and/or any number of #id, .class, [attribute] and pseudo-classes. */
  #compound(): void {
    const start = this.#i;
    const c = this.#peek();
    if (c === "*") this.#i++;
    else if (c !== undefined && this.#identStarts()) this.#ident("an element name");
    if (this.#peek() === "|") this.#fail("namespaces ('|') are not supported");
    for (;;) {
      const d = this.#peek();
      if (d === "#") {
        this.#i++;
        this.#ident("an id after '#'");
      } else if (d === ".") {
        this.#i++;
        this.#ident("a class name after '.'");
      } else if (d === "[") {
        this.#attribute();
      } else if (d === ":") {
        this.#pseudo();
      } else {
        break;
      }
    }
    if (this.#i === start) {
      const here = this.#peek();
      this.#fail(here === undefined ? "a selector is missing at the end" : `unexpected '${here}' at character ${this.#i + 1}`);
    }
  }

  #attribute(): void {
    this.#i++; // [
    this.#ws();
    if (this.#peek() === "*" || this.#peek() === "|") this.#fail("namespaces ('|') are not supported");
    const name = this.#ident("an attribute name after '['").toLowerCase();
    if (name.startsWith("data-p13n-")) {
      this.#fail(`'${name}' is the Worker's own attribute (data-p13n-slot declares a slot in the page's markup): declare a slot one way, and select the element by its own id, classes or place`);
    }
    if (this.#peek() === "|" && this.#s[this.#i + 1] !== "=") this.#fail("namespaces ('|') are not supported");
    this.#ws();
    if (this.#peek() === "]") {
      this.#i++;
      return;
    }
    const op = /^(?:[~|^$*]?=)/.exec(this.#s.slice(this.#i, this.#i + 2));
    if (!op) this.#fail(`unexpected '${this.#peek() ?? "end"}' in [${name}…]: use =, ~=, |=, ^=, $= or *=`);
    this.#i += op[0].length;
    this.#ws();
    const q = this.#peek();
    if (q === '"' || q === "'") this.#string(q);
    else if (q !== undefined && this.#identStarts()) this.#ident("a value");
    else this.#fail(`[${name}${op[0]}…] needs a value: quote it, e.g. [${name}${op[0]}"value"]`);
    this.#ws();
    const flag = this.#peek();
    if (flag === "i" || flag === "I" || flag === "s" || flag === "S") {
      this.#i++;
      this.#ws();
    }
    if (this.#peek() !== "]") this.#fail(`[${name}…] is not closed where expected (character ${this.#i + 1})`);
    this.#i++;
  }

  #pseudo(): void {
    this.#i++; // :
    if (this.#peek() === ":") this.#fail(`pseudo-elements ('::${this.#s.slice(this.#i + 1).match(/^[\w-]*/)![0]}') are not elements: a slot is an element`);
    const name = this.#ident("a pseudo-class after ':'").toLowerCase();
    if (name === "first-child" || name === "first-of-type") return;
    if (name === "nth-child" || name === "nth-of-type") {
      this.#open(name);
      const close = this.#s.indexOf(")", this.#i);
      const arg = close < 0 ? "" : this.#s.slice(this.#i, close);
      if (close < 0 || !/^\s*(?:odd|even|[+-]?\d+|[+-]?\d*n(?:\s*[+-]\s*\d+)?)\s*$/i.test(arg)) {
        this.#fail(`:${name}() takes an+b, odd or even (e.g. :${name}(2), :${name}(2n+1)); 'of S' is not supported`);
      }
      this.#i = close + 1;
      return;
    }
    if (name === "not") {
      this.#open(name);
      for (;;) {
        this.#ws();
        this.#compound();
        this.#ws();
        const c = this.#peek();
        if (c === ")") break;
        if (c === ",") {
          this.#i++;
          continue;
        }
        this.#fail(c === undefined ? ":not( is not closed" : `:not() takes simple selectors without combinators (found '${c}')`);
      }
      this.#i++;
      return;
    }
    if (NEEDS_LOOKAHEAD.has(name)) this.#fail(`':${name}' cannot be matched while the page streams (it depends on what comes later): ${SUPPORTED}`);
    this.#fail(`':${name}' is not supported: ${SUPPORTED}`);
  }

  #open(name: string): void {
    if (this.#peek() !== "(") this.#fail(`:${name} needs an argument in parentheses`);
    this.#i++;
  }

  /** A quoted value; escapes allowed, a raw line break not. */
  #string(quote: string): void {
    this.#i++;
    for (;;) {
      const c = this.#peek();
      if (c === undefined) this.#fail(`a quoted value is not closed (${quote} missing)`);
      if (c === "\n" || c === "\r" || c === "\f") this.#fail("a quoted value may not hold a line break");
      this.#i++;
      if (c === quote) return;
      if (c === "\\") this.#i++;
    }
  }

  /** True when an identifier starts here: a letter, `_`, non-ASCII, an escape, or `-` followed by one of those or `-`. */
  #identStarts(): boolean {
    const c = this.#s[this.#i];
    const next = this.#s[this.#i + 1];
    const startChar = (x: string | undefined) => x !== undefined && (/[A-Za-z_]/.test(x) || x.charCodeAt(0) >= 0x80 || x === "\\");
    if (c === "-") return next === "-" || startChar(next);
    return startChar(c);
  }

  /** A CSS identifier (with `\` escapes), returned as written. */
  #ident(what: string): string {
    if (!this.#identStarts()) {
      const c = this.#peek();
      this.#fail(c === undefined ? `${what} is missing at the end` : /\d/.test(c) ? `${what} cannot start with a digit ('${c}'): write it as an attribute, e.g. [id="…"] or [class~="…"]` : `${what} is missing at character ${this.#i + 1}`);
    }
    const start = this.#i;
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i]!;
      if (c === "\\") {
        const next = this.#s[this.#i + 1];
        if (next === undefined || next === "\n" || next === "\r" || next === "\f") this.#fail("a '\\' escape with nothing to escape");
        const hex = /^[0-9A-Fa-f]{1,6}\s?/.exec(this.#s.slice(this.#i + 1, this.#i + 8));
        this.#i += 1 + (hex ? hex[0].length : 1);
      } else if (/[A-Za-z0-9_-]/.test(c) || c.charCodeAt(0) >= 0x80) {
        this.#i++;
      } else {
        break;
      }
    }
    return this.#s.slice(start, this.#i);
  }

  /** Skips whitespace; true when there was some. */
  #ws(): boolean {
    const start = this.#i;
    while (this.#i < this.#s.length && /[ \t\n\r\f]/.test(this.#s[this.#i]!)) this.#i++;
    return this.#i > start;
  }

  #peek(): string | undefined {
    return this.#s[this.#i];
  }

  #fail(message: string): never {
    throw new SelectorError(message);
  }
}
