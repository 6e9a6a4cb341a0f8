// Types for the injected client script (src/client/p13n.browser.js, a classic script, checked by
// tsconfig.browser.json): what it puts on `window`, and the shapes of the events its beacon sends
// to POST /__p13n/events (the Worker validates them again: src/visitor/beacon.ts). Declarations
// only: nothing here is served.

/** The page the events happened on, sent with every batch. */
interface P13nPage {
  path: string;
  category?: string;
  topics?: string[];
}

/** Scalar properties a site attaches to a goal or custom event (at most 20, cut to 64/256 characters). */
type P13nProps = Record<string, string | number | boolean>;

/** A click inside a slot, or a viewable impression of one. */
interface P13nSlotEvent {
  type?: "click" | "impression";
  /** The slot's name: never null in practice, the element was found by `[data-p13n-slot]`. */
  slot: string | null;
  variant?: string;
  id?: string;
}

/** A goal reached: `p13n.track(goal, props)` or `data-p13n-goal`. */
interface P13nConversion {
  type: "conversion";
  goal: string;
  value?: number;
  props?: P13nProps;
  id?: string;
}

/** A cart change: `p13n.cart(action, item)` or `data-p13n-cart`; the Worker refuses an unknown action. */
interface P13nCart {
  type: "cart";
  action: string | null;
  sku?: string;
  name?: string;
  image?: string;
  category?: string;
  qty?: number;
  price?: number;
  id?: string;
}

/** The item a site passes to `p13n.cart` (or read from `data-p13n-*` attributes): anything, checked field by field. */
type P13nCartItem = Record<string, unknown>;

/** A support case opened or closed. */
interface P13nServiceCase {
  type: "service_case";
  open: boolean;
  id?: string;
}

/** A site's own event: `p13n.event(name, props)`. */
interface P13nCustom {
  type: "custom";
  name: string;
  props?: P13nProps;
  id?: string;
}

type P13nEvent = P13nSlotEvent | P13nConversion | P13nCart | P13nServiceCase | P13nCustom;

/** `window.p13n`: what a site's own code calls (arguments are checked at run time: sites pass anything). */
interface P13nApi {
  v: number;
  track(name: unknown, props?: Record<string, unknown>): void;
  cart(action: string | null, item?: P13nCartItem): void;
  serviceCase(open?: unknown): void;
  event(name: unknown, props?: Record<string, unknown>): void;
  flush(): void;
}

interface Window {
  p13n?: P13nApi;
}

interface Navigator {
  /** Global Privacy Control (not yet in TypeScript's DOM types). */
  globalPrivacyControl?: boolean;
}
