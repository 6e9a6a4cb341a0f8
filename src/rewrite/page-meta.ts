/**
 * Reads a page's own `<meta name="p13n:category">` and `<meta name="p13n:topics">`
 * as it streams (the page path records them with the page view). Reads only:
 * the page's bytes are not touched, and a handler error only loses the meta.
 */
import { cleanTopics, MAX_TOPIC_LENGTH } from "../content/page-topics.ts";

/** Filled as the head streams by. */
export interface PageMeta {
  category?: string;
  topics?: string[];
}

/** lol-html selector: only the two meta names, so other meta elements cost nothing. */
export const PAGE_META_SELECTOR = 'meta[name="p13n:category"], meta[name="p13n:topics"]';

/**
 * @example
 * const meta: PageMeta = {};
 * new HTMLRewriter().on(PAGE_META_SELECTOR, new PageMetaHandler(meta)).transform(res);
 */
export class PageMetaHandler implements HTMLRewriterElementContentHandlers {
  readonly #meta: PageMeta;
  constructor(meta: PageMeta) {
    this.#meta = meta;
  }

  element(el: Element): void {
    try {
      const content = el.getAttribute("content");
      if (content === null) return;
      // The first of each wins, like a browser reading <meta>.
      if (el.getAttribute("name") === "p13n:category") {
        const category = content.trim();
        if (this.#meta.category === undefined && category.length > 0 && category.length <= MAX_TOPIC_LENGTH) this.#meta.category = category;
      } else if (this.#meta.topics === undefined) {
        this.#meta.topics = cleanTopics(content);
      }
    } catch {
      // Meta is a hint; the page streams on without it.
    }
  }
}
