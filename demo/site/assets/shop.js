/*
 * The demo shop's own cart (a real shop keeps it in its backend; this one keeps it in the
 * browser's localStorage). It knows nothing of p13n-edge: the buttons it reads carry
 * data-p13n-cart and friends, which p13n-edge's client script turns into cart events
 * (README "The cart"), and this script reads the same attributes so the shop and its memory agree.
 */
(function () {
  "use strict";
  var KEY = "stride-cart";

  function load() {
    try {
      var lines = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(lines) ? lines : [];
    } catch (e) {
      return [];
    }
  }
  function save(lines) {
    localStorage.setItem(KEY, JSON.stringify(lines));
    render();
  }
  function money(n) {
    return "$" + n.toFixed(2);
  }
  function count(lines) {
    return lines.reduce(function (n, l) { return n + l.qty; }, 0);
  }
  function total(lines) {
    return lines.reduce(function (v, l) { return v + l.qty * l.price; }, 0);
  }

  function add(el) {
    var lines = load();
    var sku = el.getAttribute("data-p13n-sku");
    var line = lines.filter(function (l) { return l.sku === sku; })[0];
    if (line) line.qty += 1;
    else lines.unshift({ sku: sku, name: el.getAttribute("data-p13n-name"), price: Number(el.getAttribute("data-p13n-price")), qty: 1, swatch: el.getAttribute("data-swatch") });
    save(lines);
    var note = document.querySelector("[data-added]");
    if (note) note.hidden = false;
  }
  function remove(sku) {
    save(load().filter(function (l) { return l.sku !== sku; }));
  }
  function checkout() {
    save([]);
    var done = document.querySelector("[data-ordered]");
    if (done) done.hidden = false;
  }

  // Everything that shows the cart: the header's count, and on /cart its lines and total.
  function render() {
    var lines = load();
    var badges = document.querySelectorAll(".cart-count");
    for (var i = 0; i < badges.length; i++) {
      badges[i].textContent = String(count(lines));
      badges[i].hidden = lines.length === 0;
    }
    var list = document.querySelector("[data-cart-lines]");
    if (!list) return;
    list.textContent = "";
    lines.forEach(function (l) {
      var row = document.createElement("div");
      row.className = "cart-line";
      var swatch = document.createElement("div");
      swatch.className = "swatch " + (l.swatch || "");
      var info = document.createElement("div");
      var name = document.createElement("h3");
      name.textContent = l.name;
      var qty = document.createElement("p");
      qty.className = "price";
      qty.textContent = "qty " + l.qty + " · " + money(l.price);
      var drop = document.createElement("button");
      drop.className = "btn is-ghost is-small";
      drop.type = "button";
      drop.textContent = "Remove";
      // p13n-edge's script sends the cart event for this button (data-p13n-cart, -sku, -qty).
      drop.setAttribute("data-p13n-cart", "remove");
      drop.setAttribute("data-p13n-sku", l.sku);
      drop.setAttribute("data-p13n-qty", String(l.qty));
      drop.setAttribute("data-remove", l.sku);
      info.append(name, qty);
      row.append(swatch, info, drop);
      list.append(row);
    });
    var empty = document.querySelector("[data-cart-empty]");
    if (empty) empty.hidden = lines.length > 0;
    var sum = total(lines);
    var totals = document.querySelectorAll("[data-cart-total]");
    for (var j = 0; j < totals.length; j++) totals[j].textContent = money(sum);
    var pay = document.querySelector("[data-checkout]");
    if (pay) {
      pay.disabled = lines.length === 0;
      // The order's value goes with the checkout event (experiment results count it).
      pay.setAttribute("data-p13n-price", sum.toFixed(2));
    }
  }

  // Bubbling listeners: p13n-edge's script listens while capturing, so it reads a button
  // before the shop changes the page around it.
  document.addEventListener("click", function (ev) {
    var t = ev.target && ev.target.closest ? ev.target.closest("[data-p13n-cart]") : null;
    if (!t) return;
    var action = t.getAttribute("data-p13n-cart");
    if (action === "add") add(t);
    else if (action === "remove") remove(t.getAttribute("data-remove"));
    else if (action === "checkout") checkout();
  });
  render();
})();
