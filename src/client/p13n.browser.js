/*! p13n-edge client: viewable impressions, clicks in slots, goals, cart events, window.p13n.track. No dependencies. */
// @ts-check
(function () {
  "use strict";
  var w = window, d = document, n = navigator;
  // A new visitor's first page: its signed exposures, sent back once with the cookie it set.
  var x = d.currentScript && d.currentScript.getAttribute("data-p13n-x");
  if (w.p13n && w.p13n.v) return;
  var noop = function () {};
  /** @type {P13nApi} */
  var api = { v: 1, track: noop, cart: noop, serviceCase: noop, event: noop, flush: noop };
  w.p13n = api;
  // Respect the no: Global Privacy Control (the Worker also leaves the tag out and refuses the beacon).
  if (n.globalPrivacyControl === true || !n.sendBeacon || !d.querySelector) return;

  var ENDPOINT = "/__p13n/events";
  var MAX_BYTES = 60000; // under the 64 KiB the Worker (and the browser's keepalive quota) allow
  var MAX_EVENTS = 50;
  // A batch answered 429/503 (or lost) is sent again, TRIES times in all at most, after
  // Retry-After or 1, 2, 4, 8 s (+ up to 20%), whichever is longer. Leaving: sendBeacon.
  var TRIES = 5;
  /** @type {P13nEvent[]} */
  var queue = [];
  var timer = 0;
  /** @type {[string, number][]} */
  var waiting = []; // [body, timer] of batches waiting to be sent again

  /** @param {string} name */
  function meta(name) {
    var m = d.querySelector('meta[name="p13n:' + name + '"]');
    return m ? m.getAttribute("content") || "" : "";
  }
  /** @type {P13nPage} */
  var page = { path: location.pathname };
  var category = meta("category");
  var topics = meta("topics");
  if (category) page.category = category.slice(0, 64);
  if (topics) page.topics = topics.split(",").map(function (t) { return t.trim().slice(0, 64); }).filter(Boolean).slice(0, 20);

  function newId() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  if (x) send(JSON.stringify({ v: 1, page: page, x: x, events: [] }), 1);
  /** @param {string} s */
  function size(s) {
    return w.Blob ? new Blob([s]).size : s.length * 3;
  }
  /** @param {P13nEvent[]} events */
  function body(events) {
    return JSON.stringify({ v: 1, page: page, events: events });
  }
  /**
   * @param {string} b
   * @param {number} tries
   * @param {boolean} [leaving]
   */
  function send(b, tries, leaving) {
    // Only sendBeacon outlives the page (and has no answer to retry on).
    if (leaving || !w.fetch) return void n.sendBeacon(ENDPOINT, b);
    fetch(ENDPOINT, { method: "POST", body: b, keepalive: true, credentials: "same-origin", headers: { "content-type": "text/plain;charset=UTF-8" } }).then(function (res) {
      if (res.status === 429 || res.status === 503) later(b, tries, res.headers.get("retry-after"));
    }, function () {
      later(b, tries, null);
    });
  }
  /**
   * @param {string} b
   * @param {number} tries
   * @param {string | null} after
   */
  function later(b, tries, after) {
    if (tries >= TRIES) return;
    var s = Number(after);
    if (after === null || !(s >= 0)) s = Math.max(0, (Date.parse(after || "") - Date.now()) / 1000) || 0;
    /** @type {[string, number]} */
    var item = [b, 0];
    item[1] = setTimeout(function () {
      waiting.splice(waiting.indexOf(item), 1);
      send(b, tries + 1);
    }, Math.min(60, Math.max(s, Math.pow(2, tries - 1))) * (1000 + Math.random() * 200));
    waiting.push(item);
  }
  /** @param {boolean | number} [leaving] true when the page is going; a number from an old Firefox timer */
  function flush(leaving) {
    leaving = leaving === true;
    clearTimeout(timer);
    timer = 0;
    while (queue.length) {
      var batch = queue.splice(0, MAX_EVENTS);
      // Halve a batch until it fits; an event too large alone is dropped.
      while (batch.length > 1 && size(body(batch)) > MAX_BYTES) queue.unshift.apply(queue, batch.splice(batch.length >> 1));
      if (size(body(batch)) <= MAX_BYTES) send(body(batch), 1, leaving);
    }
    // Batches waiting for a retry go now, while the page can still send.
    if (leaving) while (waiting.length) {
      var item = /** @type {[string, number]} */ (waiting.pop());
      clearTimeout(item[1]);
      n.sendBeacon(ENDPOINT, item[0]);
    }
  }
  function leave() {
    flush(true);
  }
  /**
   * @param {P13nEvent} event
   * @param {boolean} now
   */
  function push(event, now) {
    event.id = newId();
    queue.push(event);
    if (now || queue.length >= MAX_EVENTS) flush();
    else if (!timer) timer = setTimeout(flush, 1000);
  }
  /**
   * @param {Record<string, unknown> | undefined} props
   * @returns {P13nProps}
   */
  function scalars(props) {
    /** @type {P13nProps} */
    var out = {}, k = 0;
    if (props && typeof props === "object") {
      for (var key in props) {
        var val = props[key];
        if (k < 20 && Object.prototype.hasOwnProperty.call(props, key) && (typeof val === "string" || typeof val === "boolean" || (typeof val === "number" && isFinite(val)))) {
          out[key.slice(0, 64)] = typeof val === "string" ? val.slice(0, 256) : val;
          k++;
        }
      }
    }
    return out;
  }
  /**
   * @param {Element | null} el
   * @returns {P13nSlotEvent | null}
   */
  function slotOf(el) {
    var slot = el && el.closest ? el.closest("[data-p13n-slot]") : null;
    if (!slot) return null;
    /** @type {P13nSlotEvent} */
    var e = { slot: slot.getAttribute("data-p13n-slot") };
    var variant = slot.getAttribute("data-p13n-variant");
    if (variant) e.variant = variant;
    return e;
  }

  api.track = function (name, props) {
    if (typeof name !== "string" || !name) return;
    /** @type {P13nConversion} */
    var e = { type: "conversion", goal: name.slice(0, 64) };
    if (props && typeof props.value === "number" && isFinite(props.value) && props.value >= 0) e.value = props.value;
    var p = scalars(props);
    for (var _ in p) { e.props = p; break; }
    push(e, true);
  };
  // The Worker bounds each field again (README "The cart"); longer text is cut here, not refused there.
  /** @type {Record<string, number>} */
  var CART_TEXT = { sku: 64, name: 120, image: 512, category: 64 };
  api.cart = function (action, item) {
    /** @type {P13nCart & Record<string, unknown>} */
    var e = { type: "cart", action: action };
    item = item || {};
    for (var k in CART_TEXT) {
      var text = item[k];
      if (typeof text === "string" && text.trim()) e[k] = text.trim().slice(0, CART_TEXT[k]);
    }
    if (typeof item.qty === "number" && item.qty >= 1) e.qty = Math.min(1000, Math.floor(item.qty));
    if (typeof item.price === "number" && isFinite(item.price) && item.price >= 0) e.price = item.price;
    push(e, true);
  };
  // Declarative: data-p13n-cart="add|remove|clear|checkout" with data-p13n-sku, -name, -price, -qty, -image, -category.
  /** @param {Element} el */
  function cartFrom(el) {
    /** @type {P13nCartItem} */
    var item = {};
    for (var k in CART_TEXT) item[k] = el.getAttribute("data-p13n-" + k);
    item.price = parseFloat(el.getAttribute("data-p13n-price") || "");
    item.qty = parseInt(el.getAttribute("data-p13n-qty") || "", 10);
    api.cart(el.getAttribute("data-p13n-cart"), item);
  }
  api.serviceCase = function (open) {
    push({ type: "service_case", open: !!open }, true);
  };
  api.event = function (name, props) {
    if (typeof name !== "string" || !name) return;
    /** @type {P13nCustom} */
    var e = { type: "custom", name: name.slice(0, 64) };
    var p = scalars(props);
    for (var _ in p) { e.props = p; break; }
    push(e, false);
  };
  api.flush = function () {
    flush();
  };

  // Clicks inside slots, and declarative goals and cart events (forms count on submit, not on a click inside).
  /**
   * @param {Element | null} t
   * @param {string} name
   */
  function marked(t, name) {
    var el = t && t.closest ? t.closest("[" + name + "]") : null;
    return el && el.tagName !== "FORM" ? el : null;
  }
  d.addEventListener("click", function (ev) {
    // A click's target is an element; a script's dispatchEvent can aim one at the document.
    var t = ev.target instanceof Element ? ev.target : null;
    var s = slotOf(t);
    if (s) {
      s.type = "click";
      push(s, true);
    }
    var goal = marked(t, "data-p13n-goal");
    if (goal) api.track(goal.getAttribute("data-p13n-goal"));
    var cart = marked(t, "data-p13n-cart");
    if (cart) cartFrom(cart);
  }, true);
  d.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!(f instanceof Element)) return;
    var goal = f.getAttribute("data-p13n-goal");
    if (goal) api.track(goal);
    if (f.getAttribute("data-p13n-cart")) cartFrom(f);
  }, true);

  // Viewable impressions: at least half of the slot on screen for a second (the IAB's measure).
  if (w.IntersectionObserver) {
    /** @type {Map<Element, number>} */
    var timers = new Map();
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var el = entry.target;
        if (entry.intersectionRatio >= 0.5) {
          if (!timers.has(el)) timers.set(el, setTimeout(function () {
            io.unobserve(el);
            var s = slotOf(el);
            if (s) {
              s.type = "impression";
              push(s, false);
            }
          }, 1000));
        } else if (timers.has(el)) {
          clearTimeout(timers.get(el));
          timers.delete(el);
        }
      });
    }, { threshold: [0, 0.5] });
    var slots = d.querySelectorAll("[data-p13n-slot]");
    for (var i = 0; i < slots.length; i++) io.observe(/** @type {Element} */ (slots[i]));
  }

  // Leaving the page (or hiding it, which may be the last chance): what is queued or waiting
  // for a retry goes with sendBeacon, which survives the unload.
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") leave();
  });
  w.addEventListener("pagehide", leave);
})();
